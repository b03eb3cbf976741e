"""Bad input gets a clear error naming the argument."""

import pytest
import torch

from physics_moe import FisherKPP1D, HardConstraint, MoEHardConstraint, get_pde, partition
from physics_moe.reproduce import fisher, heat, scaling

T_, X_ = torch.linspace(0, 1, 8, dtype=torch.float64), torch.linspace(0, 1, 16, dtype=torch.float64)


def inputs(B=2, N=4, dtype=torch.float64):
    return torch.rand(B, 8, 16, N, dtype=dtype), T_, X_, torch.rand(B, 16, dtype=torch.float64), None


def test_grid_not_divisible_by_experts():
    with pytest.raises(ValueError, match="n_x=100 not divisible by 3 experts along x"):
        partition(torch.zeros(10, 100), (1, 3))
    with pytest.raises(ValueError, match="not divisible by 3 experts along x"):
        MoEHardConstraint(FisherKPP1D(), n_samples=4, experts=(1, 3))(*inputs())


def test_too_many_samples_and_allow_fewer():
    with pytest.raises(ValueError, match="n_samples=100 exceeds the 32 points"):
        MoEHardConstraint(FisherKPP1D(), n_samples=100)(*inputs())
    out = MoEHardConstraint(FisherKPP1D(), n_samples=100, allow_fewer=True)(*inputs())
    assert out.w.shape == (2, 4, 4)


def test_fewer_samples_than_basis_functions_warns():
    with pytest.warns(UserWarning, match="underdetermine"):
        HardConstraint(FisherKPP1D(), n_samples=2)(*inputs())


def test_shape_errors_name_both_shapes():
    b, t, x, u0, _ = inputs()
    with pytest.raises(ValueError, match=r"basis must have shape \(B, n_t, n_x, N\)"):
        HardConstraint(FisherKPP1D())(b[0], t, x, u0)
    with pytest.raises(ValueError, match="N >= 1"):
        HardConstraint(FisherKPP1D())(b[..., :0], t, x, u0)
    with pytest.raises(ValueError, match=r"u0 must have shape \(2, 16\)"):
        HardConstraint(FisherKPP1D(), n_samples=8)(b, t, x, u0[:, :5])
    with pytest.raises(ValueError, match="t and x must have shapes"):
        HardConstraint(FisherKPP1D(), n_samples=8)(b, t[:5], x, u0)
    with pytest.raises(ValueError, match="bc must have shape"):
        HardConstraint(FisherKPP1D(), n_samples=8)(b, t, x, u0, torch.zeros(2, 8))


def test_non_finite_basis():
    b, t, x, u0, _ = inputs()
    b[0, 1, 2, 3] = float("nan")
    with pytest.raises(FloatingPointError, match="basis"):
        HardConstraint(FisherKPP1D(), n_samples=8)(b, t, x, u0)


def test_low_precision_warnings():
    with pytest.warns(UserWarning, match="cast to torch.float64"):
        HardConstraint(FisherKPP1D(), n_samples=8)(*inputs(dtype=torch.bfloat16))
    with pytest.warns(UserWarning, match="float64"):
        HardConstraint(FisherKPP1D(), dtype=torch.float32)


def test_relative_ic_with_zeros():
    b, t, x, u0, _ = inputs()
    u0[0, 0] = 0
    with pytest.raises(ValueError, match="ic_relative=False"):
        HardConstraint(FisherKPP1D(), n_samples=8, ic_relative=True)(b, t, x, u0)


def test_strict_raises_when_lm_does_not_converge():
    with pytest.raises(RuntimeError, match="did not converge"):
        HardConstraint(FisherKPP1D(), n_samples=32, max_iter=1, rtol=1e-14, atol=1e-14, strict=True)(
            *inputs()
        )
    out = HardConstraint(FisherKPP1D(), n_samples=32, max_iter=1, rtol=1e-14, atol=1e-14)(*inputs())
    assert not bool(out.info.converged.all())


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown PDE 'wave'; options"):
        get_pde("wave")
    with pytest.raises(ValueError, match="hessian must be one of"):
        HardConstraint(FisherKPP1D(), hessian="bfgs")
    with pytest.raises(ValueError, match="backward must be one of"):
        HardConstraint(FisherKPP1D(), backward="dlm")
    with pytest.raises(TypeError, match="pde must be"):
        HardConstraint("heat")  # type: ignore[arg-type]


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="fisher.m_total"):
        fisher.Config(m_total=1022)
    with pytest.raises(ValueError, match="heat.n_basis"):
        heat.Config(n_basis=5)
    with pytest.raises(ValueError, match="scaling.m_totals"):
        scaling.Config(m_totals=(3,))
