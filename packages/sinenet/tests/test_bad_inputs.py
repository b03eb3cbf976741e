"""Bad input gets a clear error naming the argument."""

import pytest
import torch

import sinenet
from sinenet.reproduce import advection


def model(**kw):
    return sinenet.SineNet(
        1, **{"time_history": 2, "hidden": 4, "n_levels": 2, "n_waves": 2, "mult": 1.5, **kw}
    )


def test_missing_time_axis():
    with pytest.raises(ValueError, match=r"\(B, T_h, F, H, W\)"):
        model()(torch.randn(2, 2, 16, 16))


def test_history_or_fields_mismatch():
    with pytest.raises(ValueError, match="T_h=2 frames of F=1"):
        model()(torch.randn(2, 3, 1, 16, 16))
    with pytest.raises(ValueError, match="T_h=2 frames of F=1"):
        model()(torch.randn(2, 2, 2, 16, 16))


def test_nan_input_is_refused():
    x = torch.randn(1, 2, 1, 16, 16)
    x[0, 0, 0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        model()(x)


def test_size_not_divisible_names_nearest():
    with pytest.raises(
        ValueError, match="W=18 must be divisible by 2\\*\\*n_levels=4; nearest valid size is 16"
    ):
        model()(torch.randn(1, 2, 1, 16, 18))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"padding_mode": "reflect"}, "padding_mode"),
        ({"n_waves": 0}, "n_waves"),
        ({"mult": 0.0}, "mult"),
        ({"mult": float("nan")}, "mult"),
        ({"mult": 1.5, "param_budget": 1000}, "either mult or param_budget"),
        ({"upsample": "area"}, "upsample"),
        ({"activation": "tanh"}, "activation"),
        ({"norm_groups": 3}, "norm_groups"),
    ],
)
def test_bad_options(kw, match):
    with pytest.raises(ValueError, match=match):
        model(**kw)


def test_unreachable_budget_and_unet_waves():
    with pytest.raises(ValueError, match="outside the reachable range"):
        sinenet.match_params(10, in_fields=1, time_history=2, hidden=4, n_levels=2, n_waves=2)
    with pytest.raises(ValueError, match="UNet has exactly one wave"):
        sinenet.UNet(1, time_history=2, n_waves=3)


def test_losses_and_rollout_inputs():
    with pytest.raises(ValueError, match="same shape"):
        sinenet.scaled_l2(torch.zeros(1, 4, 4), torch.zeros(1, 4, 5))
    with pytest.raises(ValueError, match="n_steps"):
        sinenet.rollout(model(), torch.randn(1, 2, 1, 16, 16), 0)
    with pytest.raises(ValueError, match="same H, W"):
        sinenet.feature_shift(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 8))


def test_fit_refuses_nan_and_bad_settings():
    x = torch.randn(4, 2, 1, 16, 16)
    y = x[:, -1:].clone()
    y[0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        sinenet.fit(model(), x, y, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        sinenet.fit(model(), x, x[:, -1:], epochs=0)


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="advection.n_train"):
        advection.Config(n_train=600)
    with pytest.raises(ValueError, match="advection.waves"):
        advection.Config(waves=())


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"time_history": 2.5}, "time_history"),
        ({"out_fields": 0}, "out_fields"),
        ({"hidden": 2.5}, "hidden"),
        ({"n_waves": 1.5}, "n_waves"),
        ({"mult": "2"}, "mult"),
        ({"mult": None, "param_budget": 0}, "param_budget"),
    ],
)
def test_hyperparameter_types(kw, match):
    with pytest.raises(ValueError, match=match):
        model(**kw)


def test_forward_dtype_type_and_empty_batch():
    x = torch.randn(1, 2, 1, 16, 16)
    with pytest.raises(TypeError, match=r"dtype torch.float64 differs.*\.to\("):
        model()(x.double())
    with pytest.raises(TypeError, match="torch.Tensor"):
        model()(x.tolist())
    with pytest.raises(ValueError, match="empty batch"):
        model()(x[:0])


def test_input_on_another_device_is_named():
    m = model().to("meta")
    with pytest.raises(ValueError, match="device cpu but the model is on meta"):
        m(torch.randn(1, 2, 1, 16, 16))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_input_to_cuda_model_names_the_device():
    with pytest.raises(ValueError, match="device cpu but the model is on cuda"):
        model().cuda()(torch.randn(1, 2, 1, 16, 16))


def test_helpers_check_their_arguments():
    with pytest.raises(ValueError, match="mult"):
        sinenet.level_channels(4, -2.0, 2)
    with pytest.raises(ValueError, match="lo"):
        sinenet.match_params(5000, lo=0.0, in_fields=1, time_history=2, hidden=4, n_levels=2)
    with pytest.raises(ValueError, match="eps"):
        sinenet.scaled_l2(torch.zeros(1, 4, 4), torch.zeros(1, 4, 4), eps=-1.0)
    with pytest.raises(ValueError, match="n_steps"):
        sinenet.rollout(model(), torch.randn(1, 2, 1, 16, 16), 1.5)
    with pytest.raises(ValueError, match="same batch"):
        sinenet.feature_shift(torch.zeros(1, 2, 4, 4), torch.zeros(2, 2, 4, 4))
    with pytest.raises(ValueError, match="floor"):
        sinenet.warmup_cosine(0, 10, 1, floor=2.0)


def test_fit_argument_types():
    x = torch.randn(2, 2, 1, 16, 16)
    y = x[:, -1:].clone()
    for kw, match in (
        ({"epochs": 1.5}, "epochs"),
        ({"lr": float("nan")}, "lr"),
        ({"stop_after": -1}, "stop_after"),
    ):
        with pytest.raises(ValueError, match=match):
            sinenet.fit(model(), x, y, **kw)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        sinenet.fit(model(), None, y)


def test_bad_checkpoints_are_named(tmp_path):
    x = torch.randn(2, 2, 1, 16, 16)
    y = x[:, -1:].clone()
    ck = tmp_path / "s.ckpt"
    ck.write_text("nope")
    with pytest.raises(ValueError, match="cannot read the checkpoint.*s.ckpt"):
        sinenet.fit(model(), x, y, epochs=1, checkpoint=ck)
    torch.save({"state": 1}, ck)
    with pytest.raises(ValueError, match="not a sinenet fit checkpoint"):
        sinenet.fit(model(), x, y, epochs=1, checkpoint=ck)
    ck.unlink()
    sinenet.fit(model(), x, y, epochs=1, checkpoint=ck)
    with pytest.raises(ValueError, match="does not fit this model"):
        sinenet.fit(model(hidden=8), x, y, epochs=2, checkpoint=ck)
    assert [p.name for p in tmp_path.iterdir()] == ["s.ckpt"]  # no temporary file left


def test_failed_checkpoint_write_leaves_no_temporary(tmp_path, monkeypatch):
    x = torch.randn(2, 2, 1, 16, 16)
    ck = tmp_path / "s.ckpt"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        sinenet.fit(model(), x, x[:, -1:], epochs=1, checkpoint=ck)
    assert list(tmp_path.iterdir()) == []
