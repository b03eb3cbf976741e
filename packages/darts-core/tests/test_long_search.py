"""The long-search protocol: the collapse rule's verdicts, one arm's scores, and process-parallel equality."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from darts_core import Architect, NBDigits, derive_genotype

pytest.importorskip("sklearn")  # the digits data of the reproduction
from darts_core.reproduce.common import SearchRecipe, run_search  # noqa: E402
from darts_core.reproduce.data import digits_splits  # noqa: E402
from darts_core.reproduce.long_search import (  # noqa: E402
    LongSearchRecipe,
    collapse_rule,
    map_arms,
    run_arm,
    score_weights,
)


def test_recipe_is_darts_cores_cpu_recipe_at_120_epochs():
    long, short = LongSearchRecipe(), SearchRecipe()
    assert long.epochs == 120
    assert {k: v for k, v in dataclasses.asdict(long).items() if k != "epochs"} == {
        k: v for k, v in dataclasses.asdict(short).items() if k != "epochs"
    }


def test_collapse_rule_verdicts():
    d1 = [0.0, 0.02, 0.03, 0.05, 0.0, 0.0, 0.01, 0.0]  # 4 collapses, mean 0.01375
    d2 = [0.0, 0.0, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0]  # 1 collapse, mean 0.0025: the better arm
    r = collapse_rule([0.0] * 8, d1, d2)
    assert r["reference"] == "DARTS-2nd" and not r["testable"] and r["passed"] is None
    assert "untestable" in r["detail"]
    d2 = [0.02, 0.02, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0]  # 3 collapses, mean 0.0075: testable, allowed 1
    assert collapse_rule([0.02, 0, 0, 0, 0, 0, 0, 0], d1, d2)["passed"] is True
    assert collapse_rule([0.02, 0.02, 0, 0, 0, 0, 0, 0], d1, d2)["passed"] is False  # 2 > 3 // 2
    # few collapses but a higher mean regret fails too
    assert collapse_rule([0.009] * 8, d1, d2)["passed"] is False
    r = collapse_rule([0.0] * 8, d1, d2)
    assert r["collapses"] == {"method": 0, "DARTS-1st": 4, "DARTS-2nd": 3}
    assert r["mean_regret"]["DARTS-2nd"] == pytest.approx(0.0075)
    with pytest.raises(ValueError, match="same lengths"):
        collapse_rule([0.0] * 7, d1, d2)
    with pytest.raises(ValueError, match="method regrets must be"):
        collapse_rule([float("nan")] * 8, d1, d2)


def test_run_arm_scores_the_same_search_as_darts_cores_run_search():
    recipe = dataclasses.replace(LongSearchRecipe(), epochs=2, C=4)
    data = digits_splits(200, 100, 0)
    out = run_arm(recipe, 3, data, order=1, checkpoints=(1,))
    history = run_search(recipe, 3, 2, 1, data, torch.device("cpu"))
    nb = NBDigits()
    g = derive_genotype(history[-1]["weights"], nb.space, exclude=("none",))
    assert out["genotype"] == str(g) and "none" not in out["genotype"]
    assert out["regret"] == pytest.approx(nb.regret(g))
    assert out["collapsed"] == (nb.regret(g) >= 0.01)
    assert out["train_acc"] == pytest.approx(history[-1]["train_acc"])
    assert out["at"][1] == score_weights(history[0]["weights"], nb)


def _first_order_with_lr(model, recipe, order):
    return Architect(model, order=order, arch_lr=0.5, arch_wd=0.0)


def test_run_arm_uses_the_methods_architect():
    recipe = dataclasses.replace(LongSearchRecipe(), epochs=1, C=4)
    data = digits_splits(200, 100, 0)
    a = run_arm(recipe, 0, data)
    b = run_arm(recipe, 0, data, make_architect=_first_order_with_lr)
    assert a["train_loss"] != b["train_loss"]  # α moved differently, so w saw other mixtures
    with pytest.raises(ValueError, match="checkpoints"):
        run_arm(recipe, 0, data, checkpoints=(2,))


@pytest.mark.slow
def test_map_arms_in_processes_equals_serial():
    recipe = dataclasses.replace(LongSearchRecipe(), epochs=1, C=4)
    data = digits_splits(200, 100, 0)
    jobs = [((recipe, s, data), {"order": 1}) for s in (0, 1)]
    serial = map_arms(run_arm, jobs)
    parallel = map_arms(run_arm, jobs, workers=2)
    for a, b in zip(serial, parallel, strict=True):
        a, b = dict(a), dict(b)
        a.pop("seconds"), b.pop("seconds")
        assert a == b
    with pytest.raises(ValueError, match="workers"):
        map_arms(run_arm, jobs, workers=0)
