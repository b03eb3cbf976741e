"""The cpu preset's protocol, budgets and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")
pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")

from pde_data.reproduce import (  # noqa: E402
    PRESETS,
    STUDIES,
    burgers,
    darcy,
    datasets,
    diffusion_reaction,
    grf,
    navier_stokes,
    ode,
)


def test_cpu_preset_is_the_committed_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {
        "burgers": burgers.Config(step_error_size=1024),
        "darcy": darcy.Config(manufactured_sizes=(33, 65, 129)),
        "navier_stokes": navier_stokes.Config(),
        "ode": ode.Config(),
        "diffusion_reaction": diffusion_reaction.Config(),
        "grf": grf.Config(n=2000),
        "datasets": datasets.Config(
            n_antiderivative=1000,
            n_dr=200,
            n_burgers=200,
            burgers_size=1024,
            n_darcy=200,
            darcy_size=64,
            n_ns=32,
            ns_size=64,
            ns_t_final=10.0,
            ns_backend="numpy",
        ),
    }
    assert list(cpu.studies) == list(STUDIES)  # the order the rows and criteria appear in


def test_thresholds_are_the_specs():
    assert (
        burgers.MIN_TIME_ORDER,
        burgers.MIN_SPACE_RATIO,
        burgers.MAX_MASS_DRIFT,
        burgers.MAX_STEP_ERROR,
        burgers.MAX_ENERGY_BUDGET,
    ) == (3.5, 100.0, 1e-13, 1e-5, 1e-6)
    assert (darcy.MAX_ORDER_DEFECT, darcy.MAX_SERIES_ORDER_DEFECT, darcy.MAX_CONVENTION_GAP) == (
        0.1,
        0.15,
        5e-3,
    )
    assert (
        navier_stokes.MAX_TAYLOR_GREEN,
        navier_stokes.MAX_STEADY,
        navier_stokes.MAX_ORDER_DEFECT,
        navier_stokes.MAX_INVARIANT,
    ) == (1e-12, 1e-8, 0.3, 1e-12)
    assert (ode.MAX_ORDER_DEFECT, ode.MAX_TANH_ERROR) == (0.4, 1e-12)
    assert diffusion_reaction.MAX_ORDER_DEFECT == 0.2
    assert (grf.MAX_Z, grf.MAX_SLOPE_DEFECT, grf.ALPHA) == (4.0, 0.15, 2.5)
    assert (datasets.MAX_PHASE_IMBALANCE, datasets.N_TAIL) == (0.1, 3)


def test_presets_scale_up():
    sizes = [PRESETS[p].studies["datasets"] for p in ("quick", "cpu", "full")]
    assert sizes[0].n_darcy < sizes[1].n_darcy < sizes[2].n_darcy
    assert (sizes[2].darcy_size, sizes[2].burgers_size, sizes[2].ns_backend) == (421, 8192, "torch")
