"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec (with its Planner's note, turn
2) before the first cpu run.

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from proxylessnas.reproduce import PRESETS, memory, search


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3, 4)
    assert cpu.threads == 1
    assert cpu.studies["memory"] == memory.Config(
        ns=(2, 4, 6, 8, 10),
        size=16,
        batch_size=64,
        gate_seeds=5,
        timing_steps=5,
        fresh_process=True,
        single_ratio_lo=0.8,
        single_ratio_hi=1.25,
        max_slope_fraction=0.05,
        min_growth=4.0,
        max_two_ratio=1.5,
        min_r2=0.95,
    )
    assert cpu.studies["search"] == search.Config(
        betas=(0.0, 0.3, 1.0),
        n_seeds=3,
        alpha=0.2,
        warmup_epochs=4,
        search_epochs=16,
        batch_size=64,
        arch_every=5,
        arch_lr=1e-2,
        darts_arch_lr=3e-3,
        darts_orders=(1, 2),
        retrain_epochs=20,
        lut_runs=30,
        lut_repeats=3,
        net_runs=60,
        n_random=12,
        sign_samples=20,
        num_threads=1,
        search_subset=None,
        max_latency_ratio=0.85,
        max_acc_drop=0.03,
        random_latency_slack=1.1,
        max_darts_gap=0.015,
    )


def test_candidate_order_is_the_planners():
    from proxylessnas import MBCONV_CANDIDATES

    assert MBCONV_CANDIDATES == (
        "k3_e3",
        "k5_e3",
        "k7_e3",
        "k3_e6",
        "k5_e6",
        "k7_e6",
        "k3_e1",
        "k5_e1",
        "k7_e1",
    )
