"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the values the committed
``results/cpu.json`` was computed with (the spec's cpu protocol; differences are listed in issue #22).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import torch

import darts_core as dc
from darts_pt.reproduce import PRESETS, nb_digits

# issue #22 review: DARTS-PT is judged against the stronger (lower mean regret) of the two argmax-α rules read
# from the same supernets: the magnitude rule of the space (none allowed, the NAS-Bench-201 parse) and darts-core's
# standard DARTS rule (none excluded). The spec's thresholds are unchanged (PT below, no worse on >= 7/10 seeds,
# fix α <= ); the first run's comparison with magnitude alone stays as a reported row.
CRITERIA = [
    "mean regret(PT) < mean regret(stronger argmax-α rule)",
    "PT no worse than the stronger argmax-α rule on >= 7/10 seeds",
    "mean regret(PT fix α) <= mean regret(stronger argmax-α rule)",
]
REPORTED = "first run's criteria, vs magnitude alone (reported, not deciding: issue #22 review)"


def _outs(mag, rule, pt, fa):
    return [
        {
            "seed": i,
            "magnitude": {"regret": m},
            "darts_rule": {"regret": r},
            "pt": {"regret": p},
            "pt_fix_alpha": {"regret": f},
        }
        for i, (m, r, p, f) in enumerate(zip(mag, rule, pt, fa, strict=True))
    ]


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == tuple(range(10))
    assert cpu.studies == {
        "nb_digits": nb_digits.Config(
            epochs=30,
            C=8,
            batch_size=100,
            w_lr=0.05,
            w_lr_min=0.001,
            arch_lr=3e-3,
            interval_epochs=3,
            final_tune_epochs=1,
            finetune_lr=0.005,
            metric="acc",
            fix_alpha=True,
            workers=2,
        )
    }


def test_committed_cpu_results_were_computed_with_this_protocol():
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    cpu = PRESETS["cpu"]
    assert committed["seeds"] == list(cpu.seeds)
    assert nb_digits.Config(**committed["config"]["nb_digits"]) == cpu.studies["nb_digits"]
    # fails until the cpu preset is rerun after the issue #22 change of baseline (the lead reruns it)
    assert [c["name"] for c in committed["criteria"]] == CRITERIA
    assert any(r["metric"] == REPORTED for r in committed["rows"])
    assert all("darts_rule.regret" in e["metrics"] for e in committed["per_seed"])


def test_both_argmax_rules_are_computed_from_the_same_alpha():
    # the DARTS rule is darts-core's derive_genotype with none excluded; the magnitude rule is the space's own
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=2, layers=1, in_channels=1)
    with torch.no_grad():
        model.alphas["normal"].zero_()
        model.alphas["normal"][:, 0] = 5.0  # none wins every edge by magnitude
        model.alphas["normal"][:, 3] = 1.0  # nor_conv_3x3 is the best of the rest
    assert model.genotype().ops() == ["none"] * 3
    assert nb_digits.darts_rule_genotype(model).ops() == ["nor_conv_3x3"] * 3


def test_criteria_judge_against_the_stronger_rule():
    cfg = PRESETS["cpu"].studies["nb_digits"]
    # magnitude disconnects the cell on some seeds; the DARTS rule is the stronger baseline here
    outs = _outs([0.87] * 3 + [0.01] * 7, [0.001] * 10, [0.004] * 10, [0.007] * 10)
    assert nb_digits.stronger_rule(outs) == "darts_rule"
    crit = nb_digits._comparisons(cfg, outs, nb_digits.stronger_rule(outs), nb_digits.STRONGER)
    assert [c[0] for c in crit] == CRITERIA
    assert [c[1] for c in crit] == [False, False, False]
    # against magnitude alone (the reported row) the same run passes
    assert [c[1] for c in nb_digits._comparisons(cfg, outs, "magnitude", "magnitude")] == [True, True, True]
    # the other way round, magnitude is the stronger; ties go to the DARTS rule
    assert nb_digits.stronger_rule(_outs([0.0] * 10, [0.01] * 10, [0.0] * 10, [0.0] * 10)) == "magnitude"
    assert nb_digits.stronger_rule(_outs([0.01] * 10, [0.01] * 10, [0.0] * 10, [0.0] * 10)) == "darts_rule"
    # the spec's threshold: no worse on >= 7 of 10 seeds
    outs = _outs([0.01] * 10, [0.01] * 10, [0.0] * 7 + [0.02] * 3, [0.0] * 10)
    assert nb_digits._comparisons(cfg, outs, "darts_rule", nb_digits.STRONGER)[1][1:] == (True, "7/10")
    outs = _outs([0.01] * 10, [0.01] * 10, [0.0] * 6 + [0.02] * 4, [0.0] * 10)
    assert nb_digits._comparisons(cfg, outs, "darts_rule", nb_digits.STRONGER)[1][1:] == (False, "6/10")
