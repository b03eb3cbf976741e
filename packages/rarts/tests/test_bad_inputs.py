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


# ---------------------------------------------------------------------------------------------- issue #25 sweep


@pytest.mark.parametrize(
    ("kw", "name"),
    [({"lam": math.inf}, "lam"), ({"beta": math.inf}, "beta"), ({"w_lr": math.inf}, "w_lr")],
)
def test_infinite_hyperparameters_are_refused(kw, name):
    with pytest.raises(ValueError, match=f"{name} must be a finite number"):
        rarts.RARTS(_model(), **kw)


def test_strict_and_loss_fn_are_type_checked():
    with pytest.raises(TypeError, match="strict must be a bool"):
        rarts.RARTS(_model(), strict="yes")
    with pytest.raises(TypeError, match="loss_fn must be a callable"):
        rarts.RARTS(_model(), loss_fn="cross_entropy")
    with pytest.raises(TypeError, match="check_finite must be a bool"):
        rarts.RARTS(_model(), check_finite="no")


def _batches():
    g = torch.Generator().manual_seed(0)
    x, t = torch.randn(8, 1, 8, 8, generator=g), torch.randint(0, 10, (8,), generator=g)
    return (x[:4], t[:4]), (x[4:], t[4:])


def test_step_refuses_empty_non_finite_and_unpaired_batches():
    tb, vb = _batches()
    with pytest.raises(ValueError, match="train_batch is empty"):
        rarts.RARTS(_model()).step((tb[0][:0], tb[1][:0]), vb)
    bad = tb[0].clone()
    bad[0, 0, 0, 0] = math.nan
    with pytest.raises(ValueError, match="train_batch holds non-finite"):
        rarts.RARTS(_model()).step((bad, tb[1]), vb)
    inf = vb[0].clone()
    inf[1, 0, 2, 2] = math.inf
    with pytest.raises(ValueError, match="val_batch holds non-finite"):
        rarts.RARTS(_model()).step(tb, (inf, vb[1]))
    with pytest.raises(TypeError, match=r"train_batch must be an \(x, target\) pair"):
        rarts.RARTS(_model()).step(tb[0], vb)
    out = rarts.RARTS(_model(), check_finite=False).step((bad, tb[1]), vb)  # the opt-out skips the scan
    assert math.isnan(out["loss_t"])


def test_step_names_the_device_mismatch():
    """CPU-side unit of the device check: a model on the meta device, batches on the CPU."""
    tb, vb = _batches()
    with pytest.raises(ValueError, match="train_batch is on cpu but the model's parameters are on meta"):
        rarts.RARTS(_model().to("meta")).step(tb, vb)


@pytest.mark.gpu
def test_step_with_cpu_batches_on_a_cuda_model():
    tb, vb = _batches()
    with pytest.raises(ValueError, match="train_batch is on cpu but the model's parameters are on cuda"):
        rarts.RARTS(_model().cuda()).step(tb, vb)
    layer = rarts.WidthChoiceConv2d(1, 4, 3, widths=(2, 4)).cuda()
    with pytest.raises(ValueError, match="x is on cpu but the model's parameters are on cuda"):
        layer(tb[0])


def test_architect_state_of_another_model_is_named():
    small = rarts.RARTSArchitect(_model())
    torch.manual_seed(0)
    other = rarts.RARTSArchitect(dc.Supernet(dc.nb_digits_space(), C=6, layers=1, in_channels=1))
    with pytest.raises(ValueError, match="saved y does not fit"):
        small.load_state_dict(other.state_dict())


def test_resuming_with_other_hyperparameters_warns():
    state = rarts.RARTSArchitect(_model(), lam=10.0).state_dict()
    with pytest.warns(UserWarning, match=r"lam=10\.0 -> 1\.0"):
        rarts.RARTSArchitect(_model(), lam=1.0).load_state_dict(state)


def test_objective_arguments_are_checked():
    m = _model()
    w = {n: p.detach().clone() for n, p in m.named_weight_parameters()}
    tb, vb = _batches()
    with pytest.raises(ValueError, match="lam must be"):
        rarts.relaxed_objective(m, w, tb, vb, lam=-1.0)
    with pytest.raises(ValueError, match="beta must be"):
        rarts.relaxed_objective(m, w, tb, vb, beta=math.nan)
    first = next(iter(w))
    with pytest.raises(ValueError, match=f"y\\[{first!r}\\] has shape"):
        rarts.coupling_penalty({n: (t[:1] if n == first else t) for n, t in w.items()}, w)
    with pytest.raises(TypeError, match="y must be a mapping"):
        rarts.coupling_penalty(list(w.values()), w)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: toy.stationary_point(True, 1.0), ValueError, "lam"),
        (lambda: toy.run_rarts(steps=5, init=(0.0, 0.0)), ValueError, "init must be 3"),
        (lambda: toy.run_rarts(steps=5, init=(math.nan, 0.0, 0.0)), ValueError, "init must be 3 finite"),
        (lambda: toy.run_rarts(steps=5, w_coupling="no"), TypeError, "w_coupling"),
        (lambda: toy.run_darts(2, steps=5, xi=-0.5), ValueError, "xi"),
        (lambda: toy.run_darts(steps=5, init=(0.0,)), ValueError, "init must be 2"),
        (lambda: toy.darts_fixed_point(2, -0.5), ValueError, "xi"),
    ],
)
def test_toy_arguments_are_checked(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"alpha_init_std": math.nan}, "alpha_init_std"),
        ({"alpha_init_std": -1.0}, "alpha_init_std"),
        ({"stride": 0}, "stride"),
        ({"padding": -1}, "padding"),
    ],
)
def test_width_layer_hyperparameters(kw, match):
    with pytest.raises(ValueError, match=match):
        rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 8), **kw)


def test_width_layer_input_is_checked():
    layer = rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 8))
    x = torch.randn(2, 3, 6, 6)
    with pytest.raises(TypeError, match=r"x dtype torch.float64 differs.*x\.to\(torch\.float32\)"):
        layer(x.double())
    with pytest.raises(TypeError, match="floating point"):
        layer(x.long())
    with pytest.raises(ValueError, match=r"in_channels=3"):
        layer(torch.randn(2, 4, 6, 6))
    with pytest.raises(TypeError, match="weights must be a tensor"):
        layer(x, [0.5, 0.5])
    with pytest.raises(ValueError, match="x is on cpu but the model's parameters are on meta"):
        rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 8)).to("meta")(x)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"channels": 4}, "channels"),
        ({"channels": (4, 2.5)}, r"channels\[1\]"),
        ({"width_fractions": ()}, "width_fractions"),
        ({"num_classes": 0}, "num_classes"),
        ({"num_classes": 1.5}, "num_classes"),
    ],
)
def test_width_net_hyperparameters(kw, match):
    with pytest.raises(ValueError, match=match):
        rarts.WidthSearchNet(**({"channels": (4, 8), "in_channels": 1} | kw))


def test_width_net_weights_must_cover_every_block():
    net = rarts.WidthSearchNet((4, 8), in_channels=1)
    with pytest.raises(ValueError, match=r"missing \['1'\]"):
        net(torch.randn(2, 1, 8, 8), {"0": torch.ones(4) / 4})
