"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import pytest

pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")

from deeponet.reproduce import PRESETS, _compare, antiderivative, diffusion_reaction, nonlinear_ode  # noqa: E402


def test_cpu_preset_is_the_committed_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {
        "antiderivative": antiderivative.Config(
            n_train_functions=1000, points_per_function=10, n_test_functions=2000, iterations=10_000
        ),
        "nonlinear_ode": nonlinear_ode.Config(
            n_train_functions=1000, points_per_function=10, n_test_functions=2000, iterations=3000
        ),
        "diffusion_reaction": diffusion_reaction.Config(
            train_sizes=(10, 30, 100, 300), iterations=2000, n_test=500
        ),
    }


def test_models_data_and_thresholds():
    deeponet, fnn = _compare.deeponet_model(), _compare.fnn_model()
    assert sum(p.numel() for p in deeponet.parameters()) == 7401  # [100,40,40]/[1,40,40] unstacked, with bias
    assert sum(p.numel() for p in fnn.parameters()) == 20401  # [101,100,100,1]
    assert (_compare.N_VAL, _compare.TRAIN_SEED, _compare.VAL_SEED, _compare.TEST_SEED) == (
        200,
        1000,
        5000,
        9000,
    )
    assert (antiderivative.MAX_RATIO, antiderivative.MAX_MSE) == (0.1, 5e-5)
    assert (diffusion_reaction.POINTS, diffusion_reaction.TEST_SEED) == (100, 9999)


def test_full_preset_is_the_papers_scale():
    full = PRESETS["full"]
    assert full.seeds == (0, 1, 2, 3, 4)
    assert full.studies["antiderivative"].iterations == 50_000
    assert full.studies["diffusion_reaction"].train_sizes[-1] == 10_000
