"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values it has now (the spec's
protocol; issue #22 reviews where it differs from the spec).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from gradboost_nn.reproduce import GBNN_CONFIGS, PRESETS, STUDIES, compare, switch_off
from gradboost_nn.reproduce.folds import MLP_SOLVERS, REGRESSION


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1)
    assert cpu.studies == {
        "compare": compare.Config(
            datasets=("breast_cancer", "wine", "iris", "digits", "diabetes"),
            n_folds=5,
            n_steps=200,
            mlp_hidden=200,
            mlp_max_iter=500,
            gb_trees=True,
            max_rows=None,
            n_jobs=2,
            acc_margin=0.02,
            acc_margin_binary=0.035,
        ),
        "switch_off": switch_off.Config(
            dataset="digits",
            fractions=(0.1, 0.25, 0.5, 0.75, 1.0),
            n_folds=5,
            n_steps=200,
            mlp_hidden=200,
            mlp_max_iter=500,
            max_rows=None,
            n_jobs=2,
            margin=0.03,
            vs_mlp=True,
        ),
    }
    assert list(cpu.studies) == list(STUDIES)


def test_gbnn_configs_and_baselines_are_fixed_in_advance():
    assert GBNN_CONFIGS == {
        "breast_cancer": {},
        "wine": {},
        "iris": {},
        "digits": {"units_per_step": 2, "learning_rate": 0.5, "subsample": 1.0},
        "diabetes": {"learning_rate": 0.05, "max_iter": 50},
    }
    assert REGRESSION == {"diabetes"} and MLP_SOLVERS == ("adam", "lbfgs", "sgd")


def test_switch_off_analyses_the_compare_studys_folds():
    # the switch-off study reuses the compare study's fitted models only when the folds are fitted alike
    for preset in PRESETS.values():
        c, s = preset.studies["compare"], preset.studies["switch_off"]
        assert s.spec() == c.spec() and s.dataset in c.datasets
