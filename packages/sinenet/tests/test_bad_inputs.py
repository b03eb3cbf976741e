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
