"""Bad input gets a clear error naming the argument (or a warning where the input is legal but suspicious)."""

import math

import pytest
import torch
from torch import nn

import darts_core as dc
import rarts
from rarts import toy
from rarts.reproduce import cost, long_search
from rarts.reproduce import toy as toy_study


def _model():
    torch.manual_seed(0)
    return dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)


@pytest.mark.parametrize("lam", [0.0, -1.0, math.nan, "1", None, True])
def test_lam_must_be_positive(lam):
    with pytest.raises(ValueError, match="lam"):
        rarts.RARTS(_model(), lam=lam)


@pytest.mark.parametrize("beta", [-0.1, math.nan, None])
def test_beta_must_be_non_negative(beta):
    with pytest.raises(ValueError, match="beta"):
        rarts.RARTSArchitect(_model(), beta=beta)


def test_beta_zero_warns():
    with pytest.warns(UserWarning, match="decouple"):
        rarts.RARTS(_model(), beta=0.0)


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"alpha_grad": "fast"}, "alpha_grad"),
        ({"w_lr": 0.0}, "w_lr"),
        ({"y_lr": -1.0}, "y_lr"),
        ({"arch_lr": 0.0}, "arch_lr"),
        ({"momentum": 1.0}, "momentum"),
        ({"grad_clip": 0.0}, "grad_clip"),
        ({"wd": -1.0}, "wd"),
    ],
)
def test_hyperparameters_are_validated(kw, name):
    with pytest.raises(ValueError, match=name):
        rarts.RARTS(_model(), **kw)


def test_w_coupling_must_be_bool():
    with pytest.raises(TypeError, match="w_coupling"):
        rarts.RARTS(_model(), w_coupling="yes")


def test_same_batch_warns_and_strict_refuses():
    x, t = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
    r = rarts.RARTS(_model())
    with pytest.warns(UserWarning, match="same batch"):
        r.step((x, t), (x, t))
    strict = rarts.RARTS(_model(), strict=True)
    with pytest.raises(ValueError, match="data splitting"):
        strict.step((x, t), (x, t))


def test_same_loader_warns_and_strict_refuses():
    loader = dc.TensorLoader(torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,)), batch_size=4)
    with pytest.warns(UserWarning, match="same object"):
        rarts.RARTS(_model()).search(loader, loader, epochs=1)
    with pytest.raises(ValueError, match="same object"):
        rarts.RARTS(_model(), strict=True).search(loader, loader, epochs=1)


class _NoAlpha(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.alpha = torch.zeros(3, requires_grad=True)  # a plain tensor, not a registered parameter

    def arch_parameters(self):
        return [self.alpha]

    def named_weight_parameters(self):
        return iter(self.named_parameters())

    def weight_parameters(self):
        return list(self.parameters())


def test_unregistered_alpha_is_a_type_error():
    with pytest.raises(TypeError, match="registered"):
        rarts.RARTS(_NoAlpha())


def test_model_without_the_supernet_interface_is_a_type_error():
    with pytest.raises(TypeError, match="arch_parameters"):
        rarts.RARTS(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="nn.Module"):
        rarts.RARTS("supernet")


def test_empty_arch_parameters_is_a_type_error():
    m = _NoAlpha()
    m.arch_parameters = lambda: []
    with pytest.raises(TypeError, match="empty"):
        rarts.RARTS(m)


def test_foreign_architect_state_is_refused():
    r = rarts.RARTS(_model())
    with pytest.raises(ValueError, match="RARTSArchitect"):
        r.architect.load_state_dict(dc.Architect(_model()).state_dict())


@pytest.mark.parametrize(
    ("widths", "match"),
    [
        ((4, 2), "strictly increasing"),
        ((2, 2), "strictly increasing"),
        ((2, 9), "out_channels"),
        ((), "at least"),
        ((0, 2), r"\[1, out_channels"),
    ],
)
def test_width_candidates_are_validated(widths, match):
    with pytest.raises(ValueError, match=match):
        rarts.WidthChoiceConv2d(3, 8, 3, widths=widths)


def test_width_weights_shape_is_checked():
    layer = rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 8))
    with pytest.raises(ValueError, match="weights must have shape"):
        layer(torch.randn(1, 3, 4, 4), torch.ones(3) / 3)
    with pytest.raises(ValueError, match="WidthChoiceConv2d"):
        rarts.width_genotype(nn.Linear(2, 2))


def test_toy_inputs():
    with pytest.raises(ValueError, match="no finite stationary point"):
        toy.stationary_point(0.25, 1.0)
    with pytest.raises(ValueError, match="beta"):
        toy.stationary_point(1.0, 0.0)
    with pytest.raises(ValueError, match="lam"):
        toy.run_rarts(-1.0, 1.0)
    with pytest.raises(ValueError, match="steps"):
        toy.run_darts(1, steps=0)
    with pytest.raises(ValueError, match="order"):
        toy.run_darts(3)


def test_objective_names_must_match():
    m = _model()
    w = dict(m.named_weight_parameters())
    with pytest.raises(ValueError, match="same parameter names"):
        rarts.coupling_penalty({"x": torch.zeros(1)}, w)


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="long_search.lam"):
        long_search.Config(lam=0.0)
    with pytest.raises(ValueError, match="long_search.alpha_grad"):
        long_search.Config(alpha_grad="x")
    with pytest.raises(ValueError, match="long_search.checkpoints"):
        long_search.Config(checkpoints=(500,))
    with pytest.raises(ValueError, match="cost.iterations"):
        cost.Config(iterations=0)
    with pytest.raises(ValueError, match="toy.steps"):
        toy_study.Config(steps=0)
