"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec (fbnet.md and its Planner's
note, turn 2) before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import math

from fbnet.reproduce import PRESETS, latency_search


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert cpu.threads == 1
    cfg = cpu.studies["latency_search"]
    assert cfg == latency_search.Config()
    assert cfg.betas == (0.0, 0.6, 1.5) and cfg.alpha == 0.2
    assert (cfg.search_epochs, cfg.warmup_epochs, cfg.tau0) == (20, 4, 5.0)
    assert math.isclose(cfg.tau_decay, math.exp(-0.15))
    assert math.isclose(cfg.tau0 * cfg.tau_decay**cfg.search_epochs, 5.0 * math.exp(-3.0))  # ~0.25
    assert (cfg.batch_size, cfg.retrain_epochs) == (64, 30)
    assert (cfg.lut_runs, cfg.lut_repeats, cfg.net_runs, cfg.num_threads) == (50, 3, 200, 1)
    assert (cfg.n_rank_archs, cfg.n_random_retrain) == (20, 12)
    assert cfg.darts_baseline is True and cfg.search_subset is None
    # pass criteria: (i) rho >= 0.8, (ii) lat(1.5) <= 0.8 lat(0), (iii) acc(0.6) >= acc(0) - 3 pts,
    # (iv) median error <= 30 %, (v) beta>0 nets >= median random net at <= 1.1x LUT latency
    assert (cfg.min_rho, cfg.max_latency_ratio, cfg.max_acc_drop, cfg.max_median_error, cfg.random_latency_slack) == (
        0.8, 0.8, 0.03, 0.30, 1.1,
    )  # fmt: skip


def test_cpu_darts2_preset_is_the_committed_protocol_against_second_order_darts():
    """Pinned before the first cpu-darts2 run: criterion (vi) of the spec restated against second-order DARTS
    (FBNet beta=0.6 faster, accuracy within 1 point), with the committed cpu run's data, seeds, budgets and LUT."""
    from fbnet.reproduce import darts_second_order

    p = PRESETS["cpu-darts2"]
    assert p.seeds == PRESETS["cpu"].seeds == (0, 1, 2) and p.threads == 1
    cfg = p.studies["darts_second_order"]
    assert cfg == darts_second_order.Config()
    base = latency_search.Config()
    shared = [f for f in vars(cfg) if hasattr(base, f)]
    assert set(shared) >= {"alpha", "search_epochs", "warmup_epochs", "tau0", "tau_decay", "batch_size",
                           "retrain_epochs", "lut_repeats", "net_runs", "num_threads", "search_subset"}  # fmt: skip
    assert all(getattr(cfg, f) == getattr(base, f) for f in shared)  # the same budgets as the committed arms
    assert cfg.lut_from == "results/cpu.json"  # the committed run's LUT
    assert cfg.hvp == "finite_difference"  # the official DARTS Hessian-vector product
    assert cfg.same_run_arms == (
        "fbnet beta=0.6",
    )  # recomputed in the same run (latencies measured together)
    assert cfg.max_acc_gap == 0.01
