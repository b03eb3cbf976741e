import pytest
import torch

transformers = pytest.importorskip("transformers")

from snnk.hf import add_bottleneck_adapters, add_snnk_adapters, num_trainable, snnk_uptrain  # noqa: E402
from snnk.layers import SNNKAdapter, SNNKLinear  # noqa: E402


def _bert():
    cfg = transformers.BertConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        vocab_size=20,
        num_labels=3,
    )
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(cfg).eval()


def test_snnk_adapters_start_as_identity_and_train_few_params():
    model = _bert()
    ids = torch.randint(0, 20, (2, 7))
    before = model(input_ids=ids).logits
    adapters = add_snnk_adapters(model, num_features=8, seed=0)
    assert len(adapters) == 4 and all(isinstance(a, SNNKAdapter) for a in adapters)
    torch.testing.assert_close(model(input_ids=ids).logits, before)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert all("adapter" in n or "classifier" in n for n in names)
    assert num_trainable(model) == 4 * (32 * 8 + 32) + 32 * 3 + 3
    assert len({id(a) for a in adapters}) == 4
    assert not torch.equal(adapters[0].snnk.feature_map.proj, adapters[1].snnk.feature_map.proj)
    with pytest.raises(ValueError, match="already has adapters"):
        add_snnk_adapters(model)


def test_bottleneck_adapters_and_gpt2_slots():
    model = _bert()
    add_bottleneck_adapters(model, 4)
    assert num_trainable(model) == 4 * (2 * 32 * 4 + 4 + 32) + 32 * 3 + 3
    gpt = transformers.GPT2Model(
        transformers.GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=20, n_positions=16)
    ).eval()
    ids = torch.randint(0, 20, (1, 5))
    before = gpt(input_ids=ids).last_hidden_state
    assert len(add_snnk_adapters(gpt, 4, positions=("ffn_out",))) == 2
    torch.testing.assert_close(gpt(input_ids=ids).last_hidden_state, before)
    with pytest.raises(ValueError, match="positions must be"):
        add_snnk_adapters(_bert(), positions=("ffn",))


def test_uptrain_replaces_intermediate_with_distinct_modules():
    model = _bert()
    new = snnk_uptrain(model, layers=[0, 1], num_features=16)
    assert len(new) == 2 and new[0] is not new[1] and all(isinstance(m, SNNKLinear) for m in new)
    assert new[0].feature_map.floor == -5.0 and new[0].feature_map.normalize
    out = model(input_ids=torch.randint(0, 20, (2, 5))).logits
    assert out.shape == (2, 3) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="layers must be in"):
        snnk_uptrain(_bert(), layers=[5])
