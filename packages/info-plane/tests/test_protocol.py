"""The cpu preset's protocol, budgets and thresholds, pinned to the spec (its Planner's note) before the first
cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import pytest

from info_plane.reproduce import PRESETS, ib12
from info_plane.train import log_epochs
from paperzoo_shared.results import jsonable
from paperzoo_shared.runner import config_dict


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    # verdict seeds 0-4, outside the planner's pilot seeds 100-104; 5 per activation
    assert cpu.seeds == (0, 1, 2, 3, 4)
    assert cpu.studies == {
        "ib12": ib12.Config(
            epochs=8000,
            n_points=200,
            lr=4e-4,
            batch_size=512,
            train_frac=0.8,
            n_bins=30,
            binsize=0.07,
            window=(300, 500),
            last_k=5,
            kde_epochs=8,
            kde_seeds=2,
            noise_variance=1e-3,
        )
    }
    assert len(log_epochs(8000, 200)) == 152  # the planner's 152 recorded epochs


def test_pass_criteria_thresholds_are_the_specs():
    assert ib12.TANH_MIN_COMPRESSION == 0.3
    assert ib12.TANH_MIN_LAYERS == 2
    assert ib12.RELU_MAX_COMPRESSION == 0.1
    assert ib12.MIN_FINAL_ITY == 0.8
    assert ib12.DEEP == ("activations.2", "activations.3", "activations.4")  # widths 5, 4, 3
    assert ib12.WIDTHS == (10, 7, 5, 4, 3)


def test_committed_cpu_results_are_this_protocol():
    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    if not path.exists():
        pytest.skip("no committed results/cpu.json here (installed wheel)")
    data = json.loads(path.read_text(encoding="utf-8"))
    cpu = PRESETS["cpu"]
    assert data["seeds"] == list(cpu.seeds)
    assert data["config"] == {name: jsonable(config_dict(cfg)) for name, cfg in cpu.studies.items()}
