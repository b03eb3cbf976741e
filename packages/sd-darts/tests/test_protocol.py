"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run
(sd-darts.md's Planner's note, turn 2: darts-core's long-search protocol of rarts.md's note).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

from darts_core.reproduce import long_search as core
from sd_darts.reproduce import PRESETS, long_search


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == tuple(range(8)) == core.VERDICT_SEEDS
    assert cpu.studies == {
        "long_search": long_search.Config(
            # darts-core's cpu search recipe with 120 epochs (cosine over 120)
            epochs=120,
            C=8,
            batch_size=100,
            w_lr=0.05,
            w_lr_min=0.001,
            momentum=0.9,
            wd=3e-4,
            arch_lr=3e-3,
            arch_wd=1e-3,
            grad_clip=5.0,
            # the arms of the note: DARTS-1st, DARTS-2nd, SDARTS-RS (0.03 -> 0.3), SD-DARTS K=3; plus SD-DARTS
            # with one snapshot per epoch, reported and deciding nothing (added before the first cpu run)
            arms=("DARTS-1st", "DARTS-2nd", "SDARTS-RS", "SD-DARTS", "SD-DARTS s=epoch"),
            k=3,
            interval=1,
            lam=1.0,
            tau=1.0,
            vote="mean",
            rs_eps_start=0.03,
            rs_eps_max=0.3,
            # λ_max: 600 val digits in 6 batches, 20 power iterations, at epochs 30, 60, 120
            eig_epochs=(30, 60, 120),
            eig_iters=20,
            eig_batches=6,
            workers=2,
        )
    }
    assert long_search.ARMS["DARTS-2nd"][0] == 2 and long_search.ARMS["SD-DARTS"] == (1, {})
    assert long_search.ARMS["SD-DARTS s=epoch"] == (1, {"interval": "epoch"})


def test_thresholds_are_the_notes():
    assert core.COLLAPSE_REGRET == 0.01
    assert core.MIN_REFERENCE_COLLAPSES == 3
    assert long_search.RS_MARGIN == 0.005
    # (a) SD below DARTS-1st on >= 7 of 8 seeds
    assert long_search.eig_criterion([0.0] * 7 + [9.0], [1.0] * 8) == (True, 7, 7)
    assert long_search.eig_criterion([0.0] * 6 + [9.0] * 2, [1.0] * 8) == (False, 6, 7)
    assert long_search.eig_criterion([1.0] * 8, [1.0] * 8)[0] is False  # ties are not "lower"


def test_collapse_rule_is_darts_cores():
    # the better DARTS arm (lower mean regret) collapses on 4/8; SD may collapse on <= 2 and must be lower
    d1 = [0.03, 0.03, 0.03, 0.03, 0.0, 0.0, 0.0, 0.0]
    d2 = [0.05] * 8
    assert core.collapse_rule([0.02, 0.02] + [0.0] * 6, d1, d2)["passed"] is True
    assert core.collapse_rule([0.02] * 3 + [0.0] * 5, d1, d2)["passed"] is False
    assert core.collapse_rule([0.0] * 8, [0.0] * 8, d2)["passed"] is None  # untestable
