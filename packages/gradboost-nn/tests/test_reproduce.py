"""The reproduction: the quick preset points the claims' way; the folds and the switch-off curve behave; the
cpu preset meets its criteria (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradboost_nn.reproduce import main
from gradboost_nn.reproduce.folds import FITTED, FoldSpec, fold_jobs, load


def test_folds_are_stratified_partitions():
    spec = FoldSpec(n_folds=3, n_steps=2, mlp_hidden=4, mlp_max_iter=5, max_rows=120)
    X, y = load("iris", 120)
    jobs = fold_jobs(["iris"], [0, 1], spec)
    assert [(j[1], j[2]) for j in jobs] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    for seed in (0, 1):
        tests = [j[4] for j in jobs if j[1] == seed]
        np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(len(y)))
        for j in jobs:
            assert np.intersect1d(j[3], j[4]).size == 0
            counts = np.bincount(y[j[4]], minlength=3) / np.bincount(y, minlength=3)
            assert np.all(np.abs(counts - 1 / 3) < 0.05)  # each class about a third in each test fold
    assert not np.array_equal(jobs[0][4], jobs[3][4])  # the seed reshuffles the folds


def test_quick_preset_direction(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    s = data["summary"]
    # the direction of the claim: GBNN's accuracy is close to the best MLP's
    for name in ("iris", "breast_cancer"):
        best_mlp = max(s[f"compare.{name}.{m}"]["mean"] for m in ("mlp_adam", "mlp_lbfgs", "mlp_sgd"))
        assert s[f"compare.{name}.gbnn"]["mean"] >= best_mlp - 0.05
    # every study records every fold's own values; the switch-off study analysed the compare study's models
    assert {e["study"] for e in data["per_seed"]} == {"compare", "switch_off"}
    assert sum(e["study"] == "switch_off" for e in data["per_seed"]) == 3
    assert any(key[0] == "iris" for key in FITTED)
    assert [f["name"] for f in data["figures"]] == ["switch_off.curve"]
    assert (tmp_path / data["figures"][0]["path"]).stat().st_size > 0


def test_switch_off_alone_fits_its_own_models_and_agrees(tmp_path):
    FITTED.clear()
    out = tmp_path / "alone.json"
    main(["--preset", "quick", "--only", "switch_off", "--out", str(out), "--no-progress", "--device", "cpu"])
    alone = json.loads(out.read_text())
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "quick.json").read_text())
    gbnn_half = [e["metrics"]["gbnn.keep_0.5"] for e in alone["per_seed"]]
    assert len(gbnn_half) == 3 and all(0.5 < a <= 1.0 for a in gbnn_half)
    assert alone["tables"]["switch_off"] == committed["tables"]["switch_off"]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
