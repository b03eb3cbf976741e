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
