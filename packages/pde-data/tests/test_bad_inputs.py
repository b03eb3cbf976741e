"""Bad input gets a clear error naming the argument: solvers, samplers, ``generate``, and the study configs."""

import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

import pde_data
from pde_data.burgers import solve_burgers_1d
from pde_data.darcy import solve_darcy_2d
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.navier_stokes import solve_navier_stokes_2d
from pde_data.registry import Preset, register_preset


def test_bad_burgers_inputs():
    u0 = np.zeros(16)
    with pytest.raises(ValueError, match="nu must be > 0"):
        solve_burgers_1d(u0, nu=0.0)
    with pytest.raises(ValueError, match="dt must be > 0"):
        solve_burgers_1d(u0, dt=-1e-3)
    with pytest.raises(ValueError, match="t_final must be >= 0"):
        solve_burgers_1d(u0, t_final=-1.0)
    with pytest.raises(ValueError, match="even"):
        solve_burgers_1d(np.zeros(15))


def test_bad_darcy_inputs():
    with pytest.raises(ValueError, match="strictly positive"):
        solve_darcy_2d(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="at least 3 nodes"):
        solve_darcy_2d(np.ones((2, 2)))
    with pytest.raises(ValueError, match="grid must be one of"):
        solve_darcy_2d(np.ones((5, 5)), grid="cell")
    with pytest.raises(ValueError, match="square"):
        solve_darcy_2d(np.ones((5, 6)))


def test_bad_navier_stokes_inputs():
    w0 = np.zeros((16, 16))
    with pytest.raises(ValueError, match="nu must be > 0"):
        solve_navier_stokes_2d(w0, nu=-1e-3)
    with pytest.raises(ValueError, match="n even and >= 8"):
        solve_navier_stokes_2d(np.zeros((15, 15)))
    with pytest.raises(ValueError, match="n even and >= 8"):
        solve_navier_stokes_2d(np.zeros((6, 6)))
    w = pde_data.periodic_grf(1, 16, dim=2, alpha=2.5, tau=7.0)[0] * 100
    with pytest.raises(ValueError, match="violates the CFL condition"):
        solve_navier_stokes_2d(w, dt=0.5, t_final=1.0)
    with pytest.raises(ValueError, match="multiple of record_every"):
        solve_navier_stokes_2d(w0, t_final=1.5, record_every=1.0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        solve_navier_stokes_2d(w0, scheme="rk3")


def test_bad_ode_inputs():
    x = np.linspace(0, 1, 10)
    with pytest.raises(ValueError, match="query points y must lie in"):
        pde_data.antiderivative(x, np.ones((1, 10)), [1.5])
    with pytest.raises(ValueError, match="values must have shape"):
        pde_data.nonlinear_ode(x, np.ones((1, 9)), [0.5])
    with pytest.raises(ValueError, match="D must be > 0"):
        solve_diffusion_reaction(np.ones(10), D=0.0, nx=10)
    with pytest.raises(ValueError, match="source must have shape"):
        solve_diffusion_reaction(np.ones(11), nx=10)


def test_bad_field_parameters():
    with pytest.raises(ValueError, match="alpha must be > dim/2"):
        pde_data.periodic_grf(1, 16, dim=2, alpha=1.0, tau=3.0)
    with pytest.raises(ValueError, match="tau must be > 0"):
        pde_data.neumann_grf_2d(1, 16, tau=-1.0)
    with pytest.raises(ValueError, match="length_scale"):
        pde_data.RBFGRF(length_scale=0.0)
    with pytest.raises(ValueError, match="kernel"):
        pde_data.RBFGRF(kernel="cosine")
    with pytest.raises(TypeError, match="n must be an int"):
        pde_data.periodic_grf(2.5, 16)
    with pytest.raises(ValueError, match="max_mode"):
        pde_data.periodic_grf(1, 16, max_mode=8)


def test_bad_generate_inputs():
    with pytest.raises(ValueError, match="unknown dataset or preset 'darcy'.*darcy_2d"):
        pde_data.generate("darcy", 2)
    with pytest.raises(ValueError, match="unknown parameter"):
        pde_data.generate("darcy_2d", 2, resolution=8)
    with pytest.raises(ValueError, match="n must be >= 1"):
        pde_data.generate("darcy_2d", 0)
    with pytest.raises(ValueError, match="n_train must be <= n"):
        pde_data.generate("darcy_2d", 2, size=5, n_train=3)
    with pytest.warns(UserWarning, match="n_jobs"):
        pde_data.generate("darcy_2d", 1, size=5, n_jobs=10_000, cache=False)


def test_progress_must_be_a_wrapper():
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        pde_data.generate("darcy_2d", 1, size=5, cache=False, progress=True)
    with pytest.raises(TypeError, match="progress must be None or a callable"):
        pde_data.generate("darcy_2d", 1, size=5, cache=False, progress="tqdm")


def test_operator_samples_refuses_fields_and_unknown_presets_are_named():
    with pytest.raises(ValueError, match="operator_samples supports the DeepONet operators, got 'darcy_2d'"):
        pde_data.operator_samples("darcy_2d", 2)
    with pytest.raises(ValueError, match="unknown parameter.*'m'"):
        pde_data.make_config("burgers_1d", m=10)
    with pytest.raises(ValueError, match="preset 'mine': unknown dataset 'heat_3d'"):
        register_preset("mine", Preset("heat_3d", {}, 10, None, "nowhere"))


@pytest.mark.parametrize(
    "module,kwargs,match",
    [
        ("burgers", {"step_error_size": 0}, "burgers.step_error_size must be an int >= 8"),
        ("burgers", {"step_error_size": 255}, "burgers.step_error_size must be even"),
        ("darcy", {"manufactured_sizes": (33,)}, "darcy.manufactured_sizes must be >= 2 ints"),
        ("darcy", {"manufactured_sizes": (33, 64)}, "darcy.manufactured_sizes must halve h"),
        ("grf", {"n": 1}, "grf.n must be an int >= 2"),
        ("grf", {"n": 2.5}, "grf.n must be an int >= 2"),
        ("datasets", {"n_darcy": 2}, "datasets.n_darcy must be an int >= 3"),
        ("datasets", {"ns_size": 33}, "datasets.ns_size must be even"),
        ("datasets", {"ns_t_final": 2.5}, "datasets.ns_t_final must be a positive whole number"),
        ("datasets", {"ns_backend": "jax"}, "datasets.ns_backend must be 'numpy' or 'torch'"),
    ],
)
def test_study_configs_are_validated(module, kwargs, match):
    pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
    import importlib

    config = importlib.import_module(f"pde_data.reproduce.{module}").Config
    with pytest.raises(ValueError, match=match):
        config(**kwargs)


def test_command_line_override_is_validated(capsys):
    pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")
    from pde_data.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "grf.n=1", "--no-progress"])
    assert "grf.n must be an int >= 2" in capsys.readouterr().err


def test_piecewise_constant_refuses_nan():
    """Issue #25 sweep: NaN >= 0 is False, so a NaN in the field silently became the negative value."""
    with pytest.raises(ValueError, match="field must be finite, got 1 NaN or inf values"):
        pde_data.piecewise_constant(np.array([[np.nan, 1.0]]))
