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


# ---------------------------------------------------------------------------------------- issue #25 sweep fixes

import math  # noqa: E402

import physics_moe as pm  # noqa: E402


def test_constraint_hyperparameters_are_checked():
    for kw, match in [
        ({"n_samples": 1.5}, "n_samples"),
        ({"experts": (1.5, 1)}, "experts"),
        ({"experts": 2}, "experts"),
        ({"ridge": math.nan}, "ridge"),
        ({"max_iter": 0}, "max_iter"),
        ({"rtol": -1.0}, "rtol"),
        ({"atol": math.nan}, "atol"),
        ({"tau": -1.0}, "tau"),
        ({"scaling": "diag"}, "scaling"),
        ({"w_init": math.inf}, "w_init"),
        ({"eval_seed": -1}, "eval_seed"),
    ]:
        with pytest.raises(ValueError, match=match):
            HardConstraint(FisherKPP1D(), **kw)
    with pytest.raises(TypeError, match="pde must be"):
        pm.SolveSpec(pde="heat")


def test_constraint_inputs_are_checked():
    b, t, x, u0, _ = inputs()
    layer = HardConstraint(FisherKPP1D(), n_samples=8)
    with pytest.raises(TypeError, match="t must be a torch.Tensor"):
        layer(b, None, x, u0)
    with pytest.raises(TypeError, match="basis must be a torch.Tensor"):
        layer(b.tolist(), t, x, u0)
    with pytest.raises(TypeError, match="basis must be a real floating-point tensor"):
        layer(b.long(), t, x, u0)
    with pytest.raises(TypeError, match="basis must be a real floating-point tensor"):
        layer(b.to(torch.complex128), t, x, u0)
    with pytest.raises(ValueError, match="t must hold strictly increasing"):
        layer(b, t.flip(0), x, u0)
    with pytest.raises(TypeError, match="out must be a torch.Tensor"):
        pm.SoftConstraint()([[0.0]])


def test_pde_coefficients_are_checked():
    for make, match in [
        (lambda: pm.Heat1D(nu=math.inf), "nu"),
        (lambda: pm.Heat1D(nu="0.01"), "nu"),
        (lambda: pm.FisherKPP1D(D=math.inf), "D"),
        (lambda: pm.FisherKPP1D(rho=math.nan), "rho"),
        (lambda: pm.FisherKPP1D(rho=-1.0), "rho"),
        (lambda: pm.DiffusionSorption1D(phi=1.0), "phi"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()
    u = torch.rand(2, 8, 16, dtype=torch.float64)
    with pytest.raises(TypeError, match="pde must be"):
        pm.fd_residual("heat", u, T_, X_)


def test_finite_differences_and_partition_check_their_arguments():
    u = torch.rand(2, 8, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="coords must hold strictly increasing"):
        pm.fd_first(u, torch.zeros(16, dtype=torch.float64), -1)
    with pytest.raises(ValueError, match="dim must be an int"):
        pm.fd_second(u, X_, 3)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        pm.partition([[0.0] * 16] * 8, (1, 2))
    with pytest.raises(ValueError, match="start_dim"):
        pm.partition(torch.zeros(8, 16), (1, 2), start_dim=5)
    with pytest.raises(ValueError, match="experts must hold ints"):
        pm.partition(torch.zeros(8, 16), (1.5, 2))


def test_solver_arguments_are_checked():
    w0 = torch.zeros(3, 2, dtype=torch.float64)

    def lin(w):
        return torch.stack([w[0] - 1.0, w[1] + 2.0])

    for kw, match in [({"max_iter": 1.5}, "max_iter"), ({"rtol": math.nan}, "rtol"), ({"tau": -1.0}, "tau")]:
        with pytest.raises(ValueError, match=match):
            pm.levenberg_marquardt(lin, w0, **kw)
    with pytest.raises(TypeError, match="residual_fn must be callable"):
        pm.levenberg_marquardt("lin", w0)
    with pytest.raises(TypeError, match="w0 must be a real floating-point tensor"):
        pm.levenberg_marquardt(lin, w0.long())
    with pytest.raises(ValueError, match="w0 has NaN"):
        pm.levenberg_marquardt(lin, torch.full((3, 2), math.nan, dtype=torch.float64))
    spec = pm.SolveSpec(pde=pm.Heat1D())
    T = torch.rand(3, 2, 5, 4, dtype=torch.float64)
    A, y = torch.rand(3, 2, 4, dtype=torch.float64), torch.rand(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="must agree"):
        pm.solve_lsq(T, A[:2], y, spec)
    with pytest.raises(ValueError, match="T must have 4 dimensions"):
        pm.solve_lsq(T[0], A, y, spec)
    with pytest.raises(TypeError, match="spec must be a SolveSpec"):
        pm.solve_lsq(T, A, y, {"pde": "heat"})
    with pytest.raises(ValueError, match=r"w0 must have shape \(3, 4\)"):
        pm.solve_lsq(T, A, y, spec, w0=torch.ones(3, 5, dtype=torch.float64))


def test_fno_and_its_input_are_checked():
    for kw, match in [
        ({"width": 2.5}, "width"),
        ({"modes": (2,)}, "modes"),
        ({"out_channels": 0}, "out_channels"),
    ]:
        with pytest.raises(ValueError, match=match):
            pm.FNO2d(**kw)
    net = pm.FNO2d(out_channels=4, width=8, modes=(2, 2))
    inp = pm.operator_input(T_.float(), X_.float(), torch.rand(2, 16))
    with pytest.raises(TypeError, match=r"inp has dtype torch.float64.*inp.to\(torch.float32\)"):
        net(inp.double())
    with pytest.raises(ValueError, match="in_channels=3"):
        net(inp[..., :2])
    assert net(inp[:0]).shape == (0, 8, 16, 4)
    with pytest.raises(ValueError, match="inp is on device cpu but the module is on meta"):
        pm.FNO2d(out_channels=4, width=8, modes=(2, 2)).to("meta")(inp)
    with pytest.raises(ValueError, match="t must have shape"):
        pm.operator_input(T_[:1], X_, torch.rand(2, 16))
    with pytest.raises(ValueError, match="t must hold strictly increasing"):
        pm.operator_input(torch.zeros(8), X_, torch.rand(2, 16))


def test_losses_and_data_check_their_arguments():
    p = torch.rand(2, 8, 16)
    with pytest.raises(TypeError, match="pred must be a torch.Tensor"):
        pm.relative_l2(p.tolist(), p)
    with pytest.raises(ValueError, match="pred must have a batch axis"):
        pm.relative_l2(p[0, 0], p[0, 0])
    u = torch.rand(2, 8, 16, dtype=torch.float64)
    u0 = torch.rand(2, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="w_pde"):
        pm.physics_loss(pm.Heat1D(), u, T_, X_, u0, w_pde=-1.0)
    with pytest.raises(ValueError, match=r"u0 must have shape \(2, 16\)"):
        pm.physics_loss(pm.Heat1D(), u, T_, X_, u0[:, :5])
    with pytest.raises(ValueError, match="bc must have shape"):
        pm.physics_loss(pm.Heat1D(), u, T_, X_, u0, torch.zeros(2, 8))
    with pytest.raises(ValueError, match="x_range"):
        pm.fisher_kpp_dataset(2, x_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="nx"):
        pm.fisher_kpp_dataset(2, nx=8.5)
    with pytest.raises(TypeError, match="dtype"):
        pm.fisher_kpp_dataset(2, dtype=torch.int64)
    with pytest.raises(ValueError, match="n_modes"):
        pm.heat_modes(X_, T_, 0)
    with pytest.raises(ValueError, match="a must have shape"):
        pm.heat_exact(X_, T_, torch.ones(3))
    with pytest.raises(ValueError, match="x0 must be 1-D"):
        pm.fisher_kpp_exact(X_, T_, torch.ones(2, 2))


@pytest.mark.gpu
def test_inputs_on_the_wrong_device():
    net = pm.FNO2d(out_channels=4, width=8, modes=(2, 2)).cuda()
    inp = pm.operator_input(T_.float(), X_.float(), torch.rand(2, 16))
    with pytest.raises(ValueError, match=r"inp is on device cpu but the module is on cuda"):
        net(inp)
    b, t, x, u0, _ = inputs()
    out = HardConstraint(FisherKPP1D(), n_samples=8)(
        b.cuda(), t, x, u0
    )  # documented: moved to the basis' device
    assert out.u.is_cuda and out.u.shape == (2, 8, 16)
