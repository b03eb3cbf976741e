"""Bad input gets a clear error naming the argument: the library's public API and the study configs."""

import warnings

import pytest
import torch
from helpers import blobs, small_dt, toy

import noprop
from noprop.reproduce import PRESETS, ct, dt, fm, independence, main, memory
from noprop.reproduce.data import local_torchvision


def test_bad_inputs():
    model = small_dt(T=3)
    x, y = toy(n=8)
    with pytest.raises(ValueError, match=r"\[0, 4\).*\[0, 7\]"):
        model.block_loss(x, torch.tensor([0, 1, 2, 7, 0, 1, 2, 3]), 1)
    with pytest.raises(ValueError, match="integer class ids"):
        model.block_loss(x, y.float(), 1)
    with pytest.raises(ValueError, match="t must be an int in 1..3"):
        model.block_loss(x, y, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 6\)"):
        model.block_loss(torch.randn(8, 5), y, 1)
    cnn = noprop.DenoiseBlockCNN(3, 4, 4, 8)
    with pytest.raises(ValueError, match=r"\(batch, 3, 8, 8\).*got \(2, 8, 8, 3\)"):
        cnn(torch.randn(2, 8, 8, 3), torch.randn(2, 4))
    with pytest.raises(ValueError, match="T must be an int >= 1"):
        small_dt(T=0)
    with pytest.raises(ValueError, match="eta must be > 0"):
        small_dt(eta=0.0)
    with pytest.raises(ValueError, match="prototypes"):
        noprop.LabelEmbedding(4, mode="prototype")
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        noprop.LabelEmbedding(4, mode="prototype", dim=3, prototypes=torch.randn(5, 3))
    with pytest.raises(ValueError, match="dim >= 1"):
        noprop.LabelEmbedding(4, mode="learned", dim=0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        model.block_loss(x[:1], y[:1], 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        noprop.LabelEmbedding(4, mode="random")
    with pytest.warns(UserWarning, match="not been trained"):
        model.predict(x)
    model.train_block(1, x, y, epochs=1, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(x)


def test_ct_fm_bad_inputs():
    block = noprop.TimeBlockMLP(5, 3, 3, hidden=8)
    with pytest.raises(ValueError, match="n_steps"):
        noprop.NoPropCT(block=block, num_classes=3, n_steps=0)
    with pytest.raises(ValueError, match="eta"):
        noprop.NoPropCT(block=block, num_classes=3, eta=-1.0)
    model = noprop.NoPropCT(block=block, num_classes=3)
    x, y = blobs(n=6)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.loss(x, y + 3)
    with pytest.warns(UserWarning, match="not been trained"):
        model.predict(x, n_steps=2)


def test_schedule_bad_inputs():
    with pytest.raises(ValueError, match="T must be >= 1"):
        noprop.cosine_alpha_bar(0)
    with pytest.raises(ValueError, match="abar_max"):
        noprop.cosine_alpha_bar(5, abar_max=1.0)
    with pytest.raises(ValueError, match="abar_max"):
        noprop.cosine_alpha_bar(5, abar_max=0.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        noprop.DiscreteSchedule(torch.tensor([0.0, 0.5, 0.4]))
    with pytest.raises(ValueError, match="gamma0"):
        noprop.LearnableSchedule(gamma0=1.0, gamma1=0.0)
    with pytest.raises(ValueError, match="t must be in 1..3"):
        noprop.DiscreteSchedule.cosine(3).posterior(4)


@pytest.mark.parametrize(
    ("config", "field", "value"),
    [
        (dt.Config, "dataset", "imagenet"),
        (dt.Config, "block", "rnn"),
        (dt.Config, "embedding", "random"),
        (dt.Config, "test_size", 1.0),
        (dt.Config, "hidden", 0),
        (dt.Config, "dropout", 1.0),
        (dt.Config, "batch_size", 1),
        (dt.Config, "lr", 0.0),
        (dt.Config, "weight_decay", -1e-3),
        (dt.Config, "threads", 0),
        (dt.Config, "T", 0),
        (dt.Config, "eta", 0.0),
        (dt.Config, "epochs", 0),
        (dt.Config, "mlp_hidden", ()),
        (dt.Config, "min_acc", 1.5),
        (dt.Config, "max_gap", -0.1),
        (ct.Config, "n_steps", 0),
        (ct.Config, "eta", float("nan")),
        (ct.Config, "epochs", 2.5),
        (fm.Config, "n_steps", -1),
        (independence.Config, "epochs", 0),
        (independence.Config, "run_processes", "yes"),
        (memory.Config, "max_ratio", 0.0),
    ],
)
def test_study_configs_are_validated(config, field, value):
    with pytest.raises(ValueError, match=f"{config.STUDY}.{field}"):
        config(**{field: value})


def test_presets_are_valid_and_the_command_line_is_checked(capsys):
    assert set(PRESETS) == {"quick", "cpu", "full"}
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "ct.n_steps=0", "--no-progress"])
    assert "ct.n_steps" in capsys.readouterr().err


def test_local_datasets_need_a_folder_and_a_known_name(monkeypatch):
    monkeypatch.delenv("NOPROP_DATA_ROOT", raising=False)
    with pytest.raises(RuntimeError, match="NOPROP_DATA_ROOT"):
        local_torchvision("mnist")
    with pytest.raises(ValueError, match="name must be one of"):
        local_torchvision("svhn")


def _with_nan(x):
    x = x.clone()
    x[3, 2] = float("nan")
    return x


def test_nan_training_data_is_refused_before_it_poisons_the_model():
    """Issue #25: one NaN sample made NoPropDT.fit predict NaN on clean data afterwards, without a word."""
    x, y = toy(n=16)
    model = small_dt(T=2)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"x holds non-finite values.*1 of 16 samples.*check_finite=False"):
        model.fit(_with_nan(x), y, epochs=1, batch_size=8)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    with pytest.raises(ValueError, match="non-finite"):
        model.train_block(1, x.masked_fill(x > 1.5, float("inf")), y, batch_size=8)
    xb, yb = blobs(n=12)
    ct_model = noprop.NoPropCT(block=noprop.TimeBlockMLP(5, 3, 3, hidden=8), num_classes=3, n_steps=2)
    with pytest.raises(ValueError, match="non-finite"):
        ct_model.fit(_with_nan(xb), yb, batch_size=6)
    fm_model = noprop.NoPropFM(
        block=noprop.TimeBlockMLP(5, 3, 3, hidden=8, out_features=3), num_classes=3, n_steps=2
    )
    with pytest.raises(ValueError, match="non-finite"):
        fm_model.fit(_with_nan(xb), yb, batch_size=6)
    bp = noprop.BackpropClassifier(noprop.BackpropMLP(5, 3, hidden=(8,)), num_classes=3)
    with pytest.raises(ValueError, match="non-finite"):
        bp.fit(_with_nan(xb), yb, batch_size=6)


def test_check_finite_false_skips_the_check():
    x, y = toy(n=16)
    model = small_dt(T=2)
    model.fit(_with_nan(x), y, epochs=1, batch_size=8, check_finite=False)
    assert torch.isnan(model.predict_proba(x)).any()  # what the check protects against


def test_check_finite_does_not_change_a_clean_run():
    x, y = toy(n=16)
    a = small_dt(T=2).fit(x, y, epochs=2, batch_size=8, seed=3)
    b = small_dt(T=2).fit(x, y, epochs=2, batch_size=8, seed=3, check_finite=False)
    for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize("grad_clip", [-1.0, 0.0, float("nan"), "1.0"])
def test_grad_clip_must_be_positive(grad_clip):
    x, y = toy(n=16)
    with pytest.raises(ValueError, match=r"grad_clip must be None or a number > 0 \(a max gradient norm\)"):
        small_dt(T=2).fit(x, y, batch_size=8, grad_clip=grad_clip)
    xb, yb = blobs(n=12)
    ct_model = noprop.NoPropCT(block=noprop.TimeBlockMLP(5, 3, 3, hidden=8), num_classes=3, n_steps=2)
    with pytest.raises(ValueError, match="grad_clip"):
        ct_model.fit(xb, yb, batch_size=6, grad_clip=grad_clip)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_input_dtype_differing_from_the_parameters_is_a_clear_type_error(dtype):
    x, y = toy(n=16)
    model = small_dt(T=2)
    with pytest.raises(
        TypeError, match=rf"x dtype {dtype} differs from the parameters' dtype torch.float32.*\.to\("
    ):
        model.fit(x.to(dtype), y, batch_size=8)
    model.fit(x, y, batch_size=8)
    with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
        model.predict(x.to(dtype))
    with pytest.raises(TypeError, match="floating point"):
        model.predict(x.long())
    block = noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)
    with pytest.raises(TypeError, match=rf"z dtype {dtype} differs"):
        block(x, torch.randn(16, 4, dtype=dtype))
    cnn = noprop.DenoiseBlockCNN(1, 4, 4, 8, hidden=8)
    with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
        cnn(torch.randn(2, 1, 8, 8, dtype=dtype), torch.randn(2, 4))
    bp = noprop.BackpropClassifier(noprop.BackpropMLP(6, 4, hidden=(8,)), num_classes=4)
    with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
        bp.fit(x.to(dtype), y, batch_size=8)
    # a model converted to the input's dtype works, as the message says
    model64 = small_dt(T=2).double()
    model64.fit(x.double(), y, batch_size=8)
    assert model64.predict_proba(x.double()).shape == (16, 4)


def test_empty_batches_and_wrong_ranks():
    x, y = toy(n=16)
    model = small_dt(T=2).fit(x, y, batch_size=8)
    assert model.predict(x[:0]).shape == (0,)  # an empty batch gives an empty answer
    with pytest.raises(ValueError, match="at least 2 samples"):
        small_dt(T=2).fit(x[:0], y[:0])
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 6\)"):
        model.predict(x[0])
    with pytest.raises(ValueError, match="y must be 1-d"):
        small_dt(T=2).fit(x, y[:, None])
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.fit(x, y, shuffle=True)


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


def test_sweep_findings_are_clear_errors():
    with pytest.raises(ValueError, match="num_classes must be an int >= 2, got 1"):
        noprop.NoPropDT(num_classes=1, T=2, block_factory=lambda: noprop.DenoiseBlockMLP(6, 1, 1, hidden=8))
    x, y = toy(n=16)
    with pytest.raises(ValueError, match="seed must be an int >= 0, got '0'"):
        small_dt(T=2).fit(x, y, batch_size=8, seed="0")  # was seeded from the string's hash, silently
    with pytest.raises(ValueError, match="ce_weight must be a finite number >= 0, got nan"):
        noprop.NoPropFM(
            block=noprop.TimeBlockMLP(5, 3, 3, hidden=8, out_features=3),
            num_classes=3,
            ce_weight=float("nan"),
        )


def test_label_embedding_refuses_labels_out_of_range():
    """An out-of-range label reached torch's indexing ("index 4 is out of bounds for dimension 0")."""
    emb = noprop.LabelEmbedding(4)
    for bad in (4, -1):
        with pytest.raises(ValueError, match=rf"y holds label {bad} outside \[0, 4\)"):
            emb(torch.tensor([0, bad]))
    with pytest.raises(TypeError, match="integer class labels"):
        emb(torch.tensor([0.0, 1.0]))
    assert torch.equal(
        emb(torch.tensor([[3, 0]])), emb.weight[torch.tensor([[3, 0]])]
    )  # any shape still works


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """Issue #25: a NoProp model on CUDA given CPU images or labels: a clear error naming the devices."""
    from paperzoo_shared.testing import check_wrong_device

    model = small_dt().cuda()
    x, y = toy(8)
    want = model.predict(x.cuda())
    assert check_wrong_device(lambda: model.predict(x), want) in ("clear", "sensible")

    def loss(labels):
        torch.manual_seed(0)
        return model.block_loss(x.cuda(), labels, t=1)[0]

    assert check_wrong_device(lambda: loss(y), loss(y.cuda())) in (
        "clear",
        "sensible",
    )  # CPU labels index CUDA embeddings as torch allows
