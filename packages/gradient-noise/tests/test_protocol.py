"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import pytest

from gradient_noise.reproduce import PRESETS, deep_mlp, grid
from paperzoo_shared.results import jsonable
from paperzoo_shared.runner import config_dict


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3, 4, 5, 6, 7)
    assert cpu.studies == {
        "deep_mlp": deep_mlp.Config(
            epochs=40, lr=0.05, eta=0.3, gamma=0.55, batch_size=32, kaiming_control=False
        ),
        "grid": grid.Config(
            lrs=(0.05, 0.1), etas=(0.1, 0.3, 1.0), n_seeds=4, epochs=40, gamma=0.55, batch_size=32
        ),
    }


def test_pass_criteria_thresholds_are_the_specs():
    assert (deep_mlp.CHANCE_MAX, deep_mlp.MIN_GAIN, deep_mlp.GOOD_ACC, deep_mlp.MIN_GOOD_SEEDS) == (
        0.15,
        0.20,
        0.5,
        2,
    )


def test_data_is_the_specs_split():
    """Digits / 16, stratified 70/30 split with random_state=0: 1257 training and 540 test images."""
    Xtr, ytr, Xte, yte = deep_mlp.load_data()
    assert (len(Xtr), len(Xte)) == (1257, 540)
    assert float(Xtr.max()) == 1.0 and float(Xtr.min()) == 0.0
    assert sorted(set(yte.tolist())) == list(range(10))


def test_committed_cpu_results_are_this_protocol():
    """The committed verdict run used exactly the pinned preset (so ``--redraw`` and readers can trust it)."""
    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    if not path.exists():
        pytest.skip("no committed results/cpu.json here (installed wheel)")
    data = json.loads(path.read_text(encoding="utf-8"))
    cpu = PRESETS["cpu"]
    assert data["seeds"] == list(cpu.seeds)
    assert data["config"] == {name: jsonable(config_dict(cfg)) for name, cfg in cpu.studies.items()}
