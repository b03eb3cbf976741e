"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values of the committed cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

from anyloss.reproduce import PRESETS, cells, l_table, real, synthetic, timing
from anyloss.reproduce.ensemble import PAPER_MLP, STRONG_MLP
from paperzoo_shared.runner import config_dict

LOSSES = ("bce", "wbce", "anyloss_f1", "anyloss_bacc", "pure_f1")
CPU = {
    "synthetic": synthetic.Config(
        n=10_000,
        losses=LOSSES,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        strong=True,
        criteria=True,
    ),
    "real": real.Config(
        datasets=("breast_cancer", "digits3"),
        losses=LOSSES,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        criteria=True,
    ),
    "L_table": l_table.Config(
        n=10_000,
        n_splits=5,
        epochs=100,
        batch_frac=0.1,
        L=73.0,
        ablation=(30.0, 50.0),
        pure=True,
        criteria=True,
    ),
    "timing": timing.Config(
        n=10_000,
        n_splits=5,
        batch_frac=0.1,
        L=73.0,
        losses=LOSSES,
        epochs=10,
        repeats=3,
        compiled=("bce", "anyloss_f1"),
        criteria=True,
    ),
}


def test_cpu_preset_is_the_pinned_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert dict(cpu.studies) == CPU
    assert list(cpu.studies) == ["synthetic", "real", "L_table", "timing"]


def test_models_and_thresholds_are_pinned():
    assert PAPER_MLP == {"hidden": (2,), "activation": "sigmoid", "batchnorm": True, "lr": 1e-3}
    assert STRONG_MLP == {"hidden": (32, 32), "activation": "relu", "batchnorm": False, "lr": 3e-3}
    assert synthetic.STRONG_LOSSES == ("bce", "anyloss_f1", "anyloss_bacc")
    assert (synthetic.MIN_F1, synthetic.MIN_F1_GAIN_OVER_STRONG_BCE, synthetic.MIN_BACC_GAIN_OVER_BCE) == (
        0.60,
        0.03,
        0.08,
    )
    assert (cells.MIN_F1_GAIN_OVER_BCE, cells.MAX_F1_LOSS_TO_WBCE) == (0.3, 0.03)
    assert (l_table.SPREAD_LS, l_table.MAX_SPREAD, l_table.MAX_PURE_GAIN) == ((30.0, 50.0), 0.02, 0.02)
    assert timing.MAX_RATIO == 1.10


def test_committed_results_were_run_with_these_presets():
    results = Path(__file__).resolve().parents[1] / "results"
    for name in ("cpu", "quick"):
        data = json.loads((results / f"{name}.json").read_text(encoding="utf-8"))
        preset = PRESETS[name]
        assert data["seeds"] == list(preset.seeds), name
        expected = {k: json.loads(json.dumps(config_dict(v))) for k, v in preset.studies.items()}
        assert data["config"] == expected, name
