"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec (rarts.md, Planner's note,
turn 2) before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from darts_core.reproduce import long_search as protocol
from rarts.reproduce import PRESETS, cost, long_search, toy


def test_cpu_preset_studies_and_seeds():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == tuple(range(8)) == protocol.VERDICT_SEEDS  # verdict seeds 0-7
    assert set(cpu.studies) == {"toy", "long_search", "cost"}  # the λ, β grid and width search: full only


def test_toy_protocol():
    cfg = PRESETS["cpu"].studies["toy"]
    assert cfg == toy.Config()
    assert (cfg.lam, cfg.beta, cfg.lr, cfg.steps) == (10.0, 10.0, 0.01, 20_000)  # pre-registered
    assert cfg.xi == 0.5 and cfg.tol == 1e-3
    assert cfg.extra == ((1.0, 1.0, 0.01), (100.0, 100.0, 0.002))  # reported beside, deciding nothing


def test_long_search_protocol():
    cfg = PRESETS["cpu"].studies["long_search"]
    assert cfg == long_search.Config()
    # darts-core's cpu recipe with 120 epochs (cosine over 120)
    assert (cfg.epochs, cfg.C, cfg.batch_size) == (120, 8, 100)
    assert (cfg.w_lr, cfg.w_lr_min, cfg.momentum, cfg.wd, cfg.grad_clip) == (0.05, 0.001, 0.9, 3e-4, 5.0)
    assert (cfg.arch_lr, cfg.arch_wd) == (3e-3, 1e-3)
    assert isinstance(cfg, protocol.LongSearchRecipe)
    # RARTS at the pre-registered λ = β = 1, the Gauss–Seidel α gradient
    assert (cfg.lam, cfg.beta, cfg.alpha_grad) == (1.0, 1.0, "exact")
    assert long_search.ARMS == ("DARTS-1st", "DARTS-2nd", "RARTS")
    assert protocol.DARTS_ARMS == {"DARTS-1st": 1, "DARTS-2nd": 2}
    assert protocol.COLLAPSE_REGRET == 0.01 and protocol.MIN_REFERENCE_COLLAPSES == 3


def test_collapse_rule_is_the_notes():
    # at most half as many collapses as the better DARTS arm (rounded down) and strictly lower mean regret
    ok = protocol.collapse_rule([0.0] * 7 + [0.02], [0.02] * 3 + [0.0] * 5, [0.03] * 8)
    assert ok["reference"] == "DARTS-1st" and ok["testable"] and ok["passed"]
    bad = protocol.collapse_rule([0.0] * 6 + [0.02] * 2, [0.02] * 3 + [0.0] * 5, [0.03] * 8)
    assert bad["passed"] is False  # 2 > 3 // 2
    untestable = protocol.collapse_rule([0.0] * 8, [0.02] * 2 + [0.0] * 6, [0.03] * 8)
    assert untestable["testable"] is False and untestable["passed"] is None


def test_cost_protocol():
    cfg = PRESETS["cpu"].studies["cost"]
    assert cfg == cost.Config()
    assert (cfg.iterations, cfg.threshold, cfg.batch_size, cfg.C) == (50, 0.6, 100, 8)
    assert cost.JUDGED == "RARTS (exact α gradient)"  # the paper's Gauss–Seidel iteration
    assert cost.METHODS == ("DARTS-1st", "DARTS-2nd", "RARTS (exact α gradient)", "RARTS (reused α gradient)")


def test_committed_cpu_results_ran_this_protocol():
    import dataclasses
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    if not path.exists():  # an sdist without results
        return
    res = json.loads(path.read_text())
    assert res["preset"] == "cpu" and res["seeds"] == list(range(8))
    for name, cfg in PRESETS["cpu"].studies.items():
        expect = json.loads(json.dumps(dataclasses.asdict(cfg)))
        assert res["config"][name] == expect, name
