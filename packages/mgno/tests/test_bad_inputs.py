"""Bad input gets a clear error naming the argument."""

import pytest
import torch

import mgno
from mgno.reproduce import darcy


@pytest.mark.parametrize(
    "levels,match",
    [
        ((), "non-empty"),
        (((0, 0), (1, 0)), "pre >= 1"),
        (((1, 0), (-1, 0)), "non-negative"),
        (((1,),), "pair"),
        ("ab", "non-empty"),
        (((1.0, 0),), "int"),
    ],
)
def test_bad_levels(levels, match):
    with pytest.raises(ValueError, match=match):
        mgno.MgConv(1, 2, levels=levels)


def test_bad_padding_mode_norm_channels_activation():
    with pytest.raises(ValueError, match="padding_mode"):
        mgno.MgConv(1, 2, padding_mode="periodic")
    with pytest.raises(ValueError, match="norm"):
        mgno.MgConv(1, 2, norm="batch")
    with pytest.raises(ValueError, match="in_channels"):
        mgno.MgConv(0, 2)
    with pytest.raises(ValueError, match="activation"):
        mgno.MgNO(activation="swish")
    with pytest.raises(ValueError, match="global_residual"):
        mgno.MgNO(in_channels=2, out_channels=1, global_residual=True)
    with pytest.raises(ValueError, match="n_layers"):
        mgno.MgNO(n_layers=0)


def test_bad_tensors():
    model = mgno.MgNO(width=2, n_layers=1, levels=((1, 0), (1, 0), (1, 0)))
    with pytest.raises(ValueError, match="expected in_channels=1, got 3"):
        model(torch.randn(1, 3, 16, 16))
    with pytest.raises(ValueError, match="4-D"):
        model(torch.randn(16, 16))
    with pytest.raises(TypeError, match="floating-point"):
        model(torch.ones(1, 1, 16, 16, dtype=torch.int64))
    x = torch.randn(1, 1, 16, 16)
    x[0, 0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        model(x)
    with pytest.raises(ValueError, match="fewer levels"):
        model(torch.randn(1, 1, 4, 16))  # 3 levels need H, W >= 5


def test_bad_loss_and_fit_arguments():
    with pytest.raises(ValueError, match="same shape"):
        mgno.rel_l2(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="reduction"):
        mgno.rel_l2(torch.ones(2, 3), torch.ones(2, 3), reduction="max")
    with pytest.raises(ValueError, match="k_max"):
        mgno.rel_h1(torch.ones(1, 4, 4), torch.ones(1, 4, 4), k_max=0)
    model = mgno.MgNO(width=2, n_layers=1, levels=((1, 0),))
    data = (torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5))
    with pytest.raises(ValueError, match="loss"):
        mgno.fit(model, data, loss="l1")
    with pytest.raises(ValueError, match="epochs"):
        mgno.fit(model, data, epochs=0)
    bad = (data[0].clone(), data[1])
    bad[0][0, 0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="NaN or inf"):
        mgno.fit(model, bad)


def test_unfitted_or_mismatched_normaliser():
    norm = mgno.PointwiseGaussianNormalizer()
    with pytest.raises(RuntimeError, match="not fitted"):
        norm.encode(torch.zeros(2, 1, 3, 3))
    norm.fit(torch.randn(4, 1, 3, 3))
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        norm.encode(torch.zeros(2, 1, 5, 5))


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="darcy.epochs"):
        darcy.Config(epochs=0)
    with pytest.raises(ValueError, match="darcy.models"):
        darcy.Config(models=("fno", "unet"))
    with pytest.raises(ValueError, match="darcy.loss"):
        darcy.Config(loss="l1")


# ---------------------------------------------------------------------------------------- issue #25 sweep fixes

LEVELS2 = ((1, 0), (1, 0))


def test_input_dtype_and_device_are_checked():
    model = mgno.MgNO(width=2, n_layers=1, levels=LEVELS2)
    with pytest.raises(TypeError, match=r"dtype torch.float64 differs.*input.to\(torch.float32\)"):
        model(torch.randn(1, 1, 9, 9, dtype=torch.float64))
    with pytest.raises(TypeError, match="dtype torch.float16 differs"):
        mgno.MgConv(1, 2, levels=LEVELS2)(torch.randn(1, 1, 9, 9).half())
    meta = mgno.MgConv(1, 2, levels=LEVELS2).to("meta")
    with pytest.raises(ValueError, match="input is on device cpu but the module is on meta"):
        meta(torch.randn(1, 1, 9, 9))


def test_autocast_still_mixes_dtypes():
    model = mgno.MgNO(width=2, n_layers=2, levels=LEVELS2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.randn(1, 1, 9, 9))
    assert out.shape == (1, 1, 9, 9)


def test_smoothing_step_checks_channels():
    with pytest.raises(ValueError, match="u must have c_u=2 channels"):
        mgno.SmoothingStep(2, 1)(torch.randn(1, 3, 5, 5), torch.randn(1, 1, 5, 5))


def test_losses_check_eps_a_and_dtype():
    p, t = torch.randn(2, 1, 6, 6), torch.randn(2, 1, 6, 6)
    for kw in ({"eps": -1.0}, {"eps": float("nan")}):
        with pytest.raises(ValueError, match="eps"):
            mgno.rel_l2(p, t, **kw)
    for kw, match in (({"a": -1.0}, "a must be"), ({"a": float("nan")}, "a must be")):
        with pytest.raises(ValueError, match=match):
            mgno.rel_h1(p, t, **kw)
    ints = torch.ones(2, 1, 4, 4, dtype=torch.long)
    with pytest.raises(TypeError, match="floating-point"):
        mgno.rel_h1(ints, ints)


def test_normalisers_and_wrappers_check_types():
    with pytest.raises(ValueError, match="eps"):
        mgno.GlobalGaussianNormalizer(eps="1e-5")
    norm = mgno.PointwiseGaussianNormalizer().fit(torch.randn(4, 1, 3, 3))
    with pytest.raises(TypeError, match="x must be a torch tensor"):
        norm.encode([[0.0]])
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        mgno.Normalized("mgno")
    with pytest.raises(TypeError, match="x_normalizer"):
        mgno.Normalized(torch.nn.Identity(), x_normalizer=3)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        mgno.count_parameters("mgno")


def test_fit_checks_schedule_callback_seed_and_dtypes():
    model = mgno.MgNO(width=2, n_layers=1, levels=((1, 0),))
    data = (torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5))
    for kw, match in [
        ({"lr": "5e-4"}, "lr"),
        ({"div_factor": 0.0}, "div_factor"),
        ({"final_div_factor": float("nan")}, "final_div_factor"),
        ({"pct_start": float("nan")}, "pct_start"),
        ({"seed": 1.5}, "seed"),
    ]:
        with pytest.raises(ValueError, match=match):
            mgno.fit(model, data, epochs=1, **kw)
    with pytest.raises(TypeError, match="callback"):
        mgno.fit(model, data, epochs=1, callback="print")
    with pytest.raises(TypeError, match=r"differs from the model's dtype torch.float32"):
        mgno.fit(model, (data[0].double(), data[1].double()), epochs=1)
    with pytest.raises(TypeError, match="floating-point"):
        mgno.fit(model, (data[0], data[1].long()), epochs=1)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        mgno.fit("mgno", data, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        mgno.evaluate(model, *data, batch_size=0)
    with pytest.raises(ValueError, match="positive number of samples"):
        mgno.evaluate(model, data[0][:0], data[1][:0])
    bad = data[1].clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        mgno.evaluate(model, data[0], bad)


def test_bad_checkpoints_name_the_file(tmp_path):
    data = (torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5))
    ck = tmp_path / "fit.ckpt"
    mgno.fit(mgno.MgNO(width=2, n_layers=1, levels=((1, 0),)), data, epochs=1, checkpoint=ck)
    with pytest.raises(ValueError, match="fit.ckpt was written by a fit with epochs=1"):
        mgno.fit(mgno.MgNO(width=2, n_layers=1, levels=((1, 0),)), data, epochs=2, checkpoint=ck)
    with pytest.raises(ValueError, match="fit.ckpt does not fit this model"):
        mgno.fit(mgno.MgNO(width=3, n_layers=1, levels=((1, 0),)), data, epochs=1, checkpoint=ck)
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(ValueError, match="fit.ckpt could not be read"):
        mgno.fit(mgno.MgNO(width=2, n_layers=1, levels=((1, 0),)), data, epochs=1, checkpoint=ck)
    torch.save({"x": 1}, ck)
    with pytest.raises(ValueError, match="not an mgno.fit checkpoint"):
        mgno.fit(mgno.MgNO(width=2, n_layers=1, levels=((1, 0),)), data, epochs=1, checkpoint=ck)


def test_failed_checkpoint_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from mgno import train

    def boom(obj, f):
        open(f, "wb").write(b"partial")
        raise OSError(27, "File too large")

    monkeypatch.setattr(train.torch, "save", boom)
    with pytest.raises(OSError, match="File too large"):
        train._save_atomic({"a": 1}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.gpu
def test_input_on_the_wrong_device_is_named():
    model = mgno.MgNO(width=2, n_layers=1, levels=LEVELS2).cuda()
    with pytest.raises(ValueError, match=r"input is on device cpu but the module is on cuda"):
        model(torch.randn(1, 1, 9, 9))
    with pytest.raises(ValueError, match=r"input is on device cuda:0 but the module is on cpu"):
        mgno.MgNO(width=2, n_layers=1, levels=LEVELS2)(torch.randn(1, 1, 9, 9, device="cuda"))
