"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from wide_deep_ntk.reproduce import (
    PRESETS,
    STUDIES,
    consistency,
    majority,
    nearest,
    real_data,
    relu_depth,
    singular,
)
from wide_deep_ntk.reproduce.common import KNN_GRID


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2) and cpu.threads == 1
    assert cpu.studies == {
        "singular": singular.Config(
            dims=(2, 3),
            n_train=1000,
            n_test=2000,
            depth=100,
            kernel="nngp",
            prior=0.4,
            hilbert_tol=0.015,
            nn_margin=0.02,
            nn_margin_dims=(2,),
            agree_min=0.98,
        ),
        "nearest": nearest.Config(
            activation="hermite_2",
            d=2,
            n_train=100,
            n_test=2000,
            depths=(15, 20, 25, 30),
            depth=30,
            agree_min=0.995,
        ),
        "majority": majority.Config(
            activation="mv_cubic", d=2, n_train=1000, n_test=2000, depths=(50, 100), depth=100, frac_min=0.995
        ),
        "relu_depth": relu_depth.Config(
            d=2, n_train=100, n_test=1000, depths=(10, 100, 1000, 10000), final_min=0.9, n_seeds=1
        ),
        "consistency": consistency.Config(d=2, n_trains=(250, 500, 1000, 2000), n_test=2000, depth=100),
        "real_data": real_data.Config(
            datasets=("breast_cancer", "wine", "iris", "digits"),
            depth=100,
            dims=(2, 3, 5, 9),
            test_size=0.3,
            n_seeds=1,
        ),
    }
    assert list(cpu.studies) == list(STUDIES)


def test_knn_baseline_grid_is_fixed():
    assert KNN_GRID == (1, 3, 5, 9, 15, 25, 41, 65, 101)
