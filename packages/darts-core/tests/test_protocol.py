"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values the committed
``results/cpu.json`` was computed with (the spec's cpu protocol; differences are listed in issue #22).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

from darts_core.reproduce import PRESETS, collapse, search

RECIPE = dict(
    C=8,
    batch_size=100,
    w_lr=0.05,
    w_lr_min=0.001,
    momentum=0.9,
    wd=3e-4,
    arch_lr=3e-3,
    arch_wd=1e-3,
    grad_clip=5.0,
    orders=(1,),
)


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == tuple(range(10))  # 10 searches
    assert cpu.studies == {
        "search": search.Config(epochs=30, **RECIPE),
        "collapse": collapse.Config(epochs=120, checkpoints=(30, 60, 90, 120), n_seeds=5, **RECIPE),
    }


def test_committed_cpu_results_were_computed_with_this_protocol():
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    cpu = PRESETS["cpu"]
    assert committed["seeds"] == list(cpu.seeds)
    for name, cfg in cpu.studies.items():
        stored = {k: tuple(v) if isinstance(v, list) else v for k, v in committed["config"][name].items()}
        assert type(cfg)(**stored) == cfg
    names = [c["name"] for c in committed["criteria"]]
    assert names == [
        "(a) every search derives a valid genotype of the table",
        "(b) mean regret of DARTS < random architecture's",
        "(c) skip/pool share of α rises monotonically over 4 checkpoints",
    ]
