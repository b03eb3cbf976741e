"""Bad input gets a clear error naming the argument."""

import pytest
import torch

import nn_to_no
from nn_to_no.reproduce import invariance


def test_layer_hyperparameters_are_checked():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        nn_to_no.FiniteDifferenceConv2d(1, 1, kernel_size=4)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        nn_to_no.InterpolatedConv2d(1, 1, 2, base_resolution=8)
    with pytest.raises(ValueError, match="radius"):
        nn_to_no.IntegralConv2d(1, 1, radius=-1.0)
    with pytest.raises(ValueError, match="basis"):
        nn_to_no.IntegralConv2d(1, 1, radius=0.1, basis="gaussian")
    with pytest.raises(ValueError, match="heads"):
        nn_to_no.IntegralAttention(6, heads=4)
    with pytest.raises(ValueError, match="patch_size"):
        nn_to_no.PhysicalPatchEmbed(1, 4, patch_size=0.3)
    with pytest.raises(ValueError, match="shape"):
        nn_to_no.Grid(())
    with pytest.raises(ValueError, match="mode"):
        nn_to_no.to_operator(torch.nn.Conv2d(1, 1, 3), base_resolution=8, mode="magic")


def test_bad_tensors_are_refused():
    layer = nn_to_no.IntegralConv2d(1, 1, radius=0.1)
    with pytest.raises(ValueError, match="square grid"):
        layer(torch.randn(1, 1, 8, 16))
    with pytest.raises(ValueError, match="channels"):
        layer(torch.randn(1, 2, 8, 8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        layer([[1.0]])
    with pytest.raises(ValueError, match="N to be a multiple"):
        nn_to_no.PhysicalPatchEmbed(1, 4, patch_size=0.25)(torch.randn(1, 1, 10, 10))
    with pytest.raises(ValueError, match="same shape"):
        nn_to_no.function_l2(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 8, 8))


def test_nan_and_coordinate_shapes_are_refused():
    emb = nn_to_no.GridEmbedding()
    with pytest.raises(ValueError, match="coords must have shape"):
        emb(torch.zeros(1, 1, 4, 4), coords=torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="NaN"):
        emb(torch.zeros(1, 1, 4, 4), coords=torch.full((2, 4, 4), float("nan")))
    x = torch.zeros(4, 1, 8, 8)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        nn_to_no.fit(nn_to_no.ConvNet(width=2, depth=1), x, torch.zeros(4, 1, 8, 8), epochs=1)
    with pytest.raises(ValueError, match="inputs at resolution 8 contains NaN"):
        nn_to_no.discretization_sweep(lambda v: v, lambda n: (x, x), [8])


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="invariance.test_res"):
        invariance.Config(test_res=(8, 32, 128))
    with pytest.raises(ValueError, match="invariance.arms"):
        invariance.Config(arms=("kernel_interp",))
    with pytest.raises(ValueError, match="invariance.kind"):
        invariance.Config(kind="darcy")
