"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import pytest

from noprop.reproduce import PRESETS, ct, dt, fm, independence, memory
from paperzoo_shared.results import jsonable
from paperzoo_shared.runner import config_dict

# digits, 70/30 split of each class, MLP blocks (hidden 128, no dropout), one-hot embeddings, AdamW lr 1e-3
# weight decay 1e-3, batch 128, one torch thread
COMMON = dict(
    dataset="digits",
    test_size=0.3,
    block="mlp",
    hidden=128,
    dropout=0.0,
    embedding="onehot",
    batch_size=128,
    lr=1e-3,
    weight_decay=1e-3,
    threads=1,
)


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.studies == {
        "dt": dt.Config(
            **COMMON, T=10, eta=0.1, epochs=60, mlp_hidden=(768, 512, 256), min_acc=0.93, max_gap=0.03
        ),
        "ct": ct.Config(**COMMON, epochs=100, eta=1.0, n_steps=50, min_acc=0.85),
        "fm": fm.Config(**COMMON, epochs=100, n_steps=50),
        "independence": independence.Config(**COMMON, T=10, eta=0.1, epochs=20, run_processes=True),
        "memory": memory.Config(**COMMON, T=10, eta=0.1, max_ratio=0.6),
    }


def test_committed_cpu_results_are_this_protocol():
    """The committed verdict run used exactly the pinned preset (so ``--redraw`` and readers can trust it)."""
    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    if not path.exists():
        pytest.skip("no committed results/cpu.json here (installed wheel)")
    data = json.loads(path.read_text(encoding="utf-8"))
    cpu = PRESETS["cpu"]
    assert data["seeds"] == list(cpu.seeds)
    assert data["config"] == {name: jsonable(config_dict(cfg)) for name, cfg in cpu.studies.items()}
