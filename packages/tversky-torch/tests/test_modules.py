import dataclasses

import pytest
import torch
from torch import nn

import tversky_torch
from tversky_torch import (
    DataDomainParameter,
    SharedFeatureBank,
    TverskyOptions,
    TverskyProjection,
    TverskySimilarity,
    count_parameters,
)
from tversky_torch import functional as TF


def test_projection_equals_similarity_and_shapes():
    torch.manual_seed(0)
    layer = TverskyProjection(6, 5, 7).double()
    x = torch.randn(3, 4, 6, dtype=torch.float64)
    want = TF.tversky_similarity(
        x.reshape(-1, 6), layer.prototypes, layer.feature_bank, layer.alpha, layer.beta, layer.theta
    )
    y = layer(x)
    assert y.shape == (3, 4, 5)
    torch.testing.assert_close(y.reshape(-1, 5), want)
    assert layer(x[0, 0]).shape == (5,)
    torch.testing.assert_close(layer(x[0]), y[0])
    sim = TverskySimilarity(6, 7, feature_bank=layer.feature_bank).double()
    torch.testing.assert_close(sim(x[0], layer.prototypes), y[0])
    assert layer.salience(x).shape == (3, 4)


def test_parameter_counts_sharing_and_tying():
    d, out, k = 16, 10, 8
    layer = TverskyProjection(d, out, k)
    assert count_parameters(layer) == out * d + k * d + 3
    assert count_parameters(nn.Linear(d, out)) == out * d + out
    bank = SharedFeatureBank(k, d)
    model = nn.Sequential(
        TverskyProjection(d, d, k, feature_bank=bank),
        nn.ReLU(),
        TverskyProjection(d, out, k, feature_bank=bank.weight),
    )
    assert count_parameters(model) == k * d + (d * d + 3) + (out * d + 3)
    emb = nn.Embedding(50, d)
    head = TverskyProjection(d, 50, k, prototypes=emb.weight)
    assert head.prototypes is emb.weight
    assert count_parameters(nn.ModuleDict({"emb": emb, "head": head})) == 50 * d + k * d + 3
    state = nn.ModuleDict({"emb": emb, "head": head}).state_dict()
    assert torch.equal(state["head.prototypes"], state["emb.weight"])


def test_state_dict_round_trip_to_dtype_and_repr():
    torch.manual_seed(1)
    a = TverskyProjection(4, 3, 5, intersection="min", difference="subtractmatch", learnable=("alpha",))
    b = TverskyProjection(4, 3, 5, intersection="min", difference="subtractmatch", learnable=("alpha",))
    b.load_state_dict(a.state_dict())
    x = torch.randn(6, 4)
    torch.testing.assert_close(a(x), b(x))
    assert isinstance(a.alpha, nn.Parameter) and not isinstance(a.beta, nn.Parameter)
    c = a.to(torch.float64)
    assert c.prototypes.dtype == c.feature_bank.dtype == c.beta.dtype == torch.float64
    assert c(x.double()).dtype == torch.float64
    r = repr(a)
    assert "intersection='min'" in r and "difference='subtractmatch'" in r and "out_features=3" in r
    for init in ("uniform", "normal", "orthogonal", "xavier_uniform"):
        a.reset_parameters(init)
        assert torch.isfinite(a(x.double())).all()


def test_options_object_and_keywords_are_the_same_layer():
    """Options are declared once (TverskyOptions); the constructors' keyword arguments still work and override."""
    opts = TverskyOptions(intersection="min", difference="subtractmatch", alpha=0.8, learnable=("alpha",))
    torch.manual_seed(0)
    a = TverskyProjection(4, 3, 5, options=opts)
    torch.manual_seed(0)
    b = TverskyProjection(
        4, 3, 5, intersection="min", difference="subtractmatch", alpha=0.8, learnable="alpha"
    )
    assert a.options == b.options == opts and b.learnable == ("alpha",)
    x = torch.randn(6, 4)
    torch.testing.assert_close(a(x), b(x))
    assert a.alpha.item() == pytest.approx(0.8) and isinstance(a.alpha, nn.Parameter)
    assert not isinstance(a.theta, nn.Parameter)
    c = TverskyProjection(4, 3, 5, options=opts, intersection="max")  # keywords override the options
    assert c.intersection == "max" and c.difference == "subtractmatch"
    # the defaults are unchanged: the paper's / public code's
    d = TverskyProjection(4, 3, 5).options
    assert (d.model, d.intersection, d.difference, d.alpha, d.beta, d.theta) == (
        "contrast", "product", "ignorematch", 0.5, 0.5, 1.0,
    )  # fmt: skip
    assert (d.learnable, d.init, d.threshold, d.ratio_eps, d.gmean_eps) == (
        ("alpha", "beta", "theta"), "uniform", 0.0, 1.0, 0.0,
    )  # fmt: skip
    # the functional form takes the same options
    f, p = a.features(), a.prototype_matrix()
    want = TF.tversky_similarity(
        x, p, f, a.alpha, a.beta, a.theta, intersection="min", difference="subtractmatch"
    )
    torch.testing.assert_close(TF.tversky_similarity(x, p, f, a.alpha, a.beta, a.theta, options=opts), want)
    torch.testing.assert_close(a(x), want)
    # alpha / beta / theta default to the options' values in the functional form
    torch.testing.assert_close(
        TF.tversky_similarity(x, p, f, options=opts),
        TF.tversky_similarity(x, p, f, 0.8, 0.5, 1.0, options=opts),
    )
    sim = TverskySimilarity(4, 5, feature_bank=a.feature_bank, options=dataclasses.replace(opts, alpha=0.3))
    assert sim.intersection == "min" and sim.alpha.item() == pytest.approx(0.3)


def test_reset_parameters_changes_init_option():
    layer = TverskyProjection(4, 3, 5)
    layer.reset_parameters("normal")
    assert layer.init == "normal" == layer.options.init
    assert layer.prototypes.min() < 0  # N(0, 1/d): not the all-positive U[0, 1)


def test_determinism_and_compile_equals_eager():
    torch.manual_seed(3)
    a = TverskyProjection(5, 4, 6)
    torch.manual_seed(3)
    b = TverskyProjection(5, 4, 6)
    x = torch.randn(7, 5)
    assert torch.equal(a(x), b(x))
    compiled = torch.compile(a, backend="aot_eager", fullgraph=True)
    torch.testing.assert_close(compiled(x), a(x))
    xg = x.clone().requires_grad_()
    compiled(xg).sum().backward()
    g = xg.grad.clone()
    xg.grad = None
    a(xg).sum().backward()
    torch.testing.assert_close(g, xg.grad)


def test_data_domain_parameters_and_plot(tmp_path):
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU())
    protos, feats = DataDomainParameter(enc, (1, 8, 8), 10), DataDomainParameter(enc, (1, 8, 8), 12)
    head = TverskyProjection(16, 10, 12, prototypes=protos, feature_bank=feats)
    model = nn.Sequential(enc, head)
    x = torch.rand(5, 1, 8, 8)
    y = model(x)
    assert y.shape == (5, 10) and torch.isfinite(y).all()
    y.sum().backward()
    assert protos.raw.grad is not None and feats.raw.grad is not None
    assert protos.images().shape == (10, 1, 8, 8)
    assert count_parameters(model) == 64 * 16 + 16 + 10 * 64 + 12 * 64 + 3
    pytest.importorskip("matplotlib")
    from tversky_torch.viz import plot_prototypes

    plot_prototypes(protos, feats, path=tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_replace_linear_counts_and_shares():
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
    n = tversky_torch.replace_linear(model, lambda name, m: name != "4", num_features=5, intersection="mean")
    assert n == 2
    assert (
        isinstance(model[0], TverskyProjection)
        and isinstance(model[2], TverskyProjection)
        and isinstance(model[4], nn.Linear)
    )
    assert model[0].feature_bank is model[2].feature_bank and model[2].intersection == "mean"
    out = model(torch.randn(3, 8))
    assert out.shape == (3, 2)
    # an options object works too, keywords on top of it
    other = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
    n = tversky_torch.replace_linear(
        other, num_features=3, options=TverskyOptions(model="ratio", init="normal"), intersection="max"
    )
    assert n == 2 and all(
        m.options == TverskyOptions(model="ratio", init="normal", intersection="max")
        for m in (other[0], other[2])
    )


def test_gpt2_replace_linear_and_tversky_heads():
    transformers = pytest.importorskip("transformers")
    from tversky_torch.hf import tversky_gpt2

    cfg = transformers.GPT2Config(
        vocab_size=50, n_positions=16, n_embd=16, n_layer=2, n_head=2, bos_token_id=0, eos_token_id=0
    )
    model = transformers.GPT2LMHeadModel(cfg)
    n = tversky_torch.replace_linear(
        model.transformer.h, lambda name, m: name.endswith(("attn.c_proj", "mlp.c_fc")), num_features=6
    )
    assert n == 4  # 2 layers x 2 projections, GPT-2's transposed Conv1D included
    for block in model.transformer.h:
        assert isinstance(block.attn.c_proj, TverskyProjection) and isinstance(
            block.mlp.c_fc, TverskyProjection
        )
        assert block.mlp.c_fc.out_features == 64 and not isinstance(block.attn.c_attn, TverskyProjection)
    ids = torch.randint(0, 50, (2, 16))
    out = model(input_ids=ids, labels=ids)
    out.loss.backward()
    assert torch.isfinite(out.loss)
    lin = tversky_gpt2(cfg, mode="linear")
    head = tversky_gpt2(cfg, mode="head", num_features=6)
    allm = tversky_gpt2(cfg, mode="all", num_features=6, targets=("attn.c_proj",))
    p_lin = count_parameters(lin)
    assert count_parameters(head) == p_lin + 6 * 16 + 3  # tied prototypes: only the bank and 3 scalars
    # each attn.c_proj loses its (16x16 + 16) Conv1D and gains 16x16 prototypes + 3 scalars; the bank is shared
    assert count_parameters(allm) == p_lin + 6 * 16 + 3 + 2 * (3 - 16)
    assert head.lm_head.prototypes is head.transformer.wte.weight
    assert allm.transformer.h[0].attn.c_proj.feature_bank is allm.lm_head.feature_bank
    logits = allm(input_ids=ids).logits
    assert logits.shape == (2, 16, 50)
    untied = tversky_gpt2(cfg, mode="head", num_features=6, tie_prototypes=False)
    assert count_parameters(untied) == p_lin + 50 * 16 + 6 * 16 + 3
    opts = TverskyOptions(intersection="mean")
    model = tversky_gpt2(
        cfg, mode="all", num_features=6, targets=("attn.c_proj",), feature_init="normal", options=opts
    )
    assert model.lm_head.options == model.transformer.h[0].attn.c_proj.options == opts.replace(init="normal")
