import json
import shutil
from pathlib import Path

import pytest

from fbnet.reproduce import main

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_runs_and_reports_every_criterion(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) in (0, 1)
    data = json.loads(out.read_text())
    names = [c["name"] for c in data["criteria"]]
    assert len(names) == 7 and names[0].startswith("(i)") and names[5].startswith("(vi) vs first-order")
    assert names[6].startswith("(vi) vs second-order DARTS")
    assert [s["seed"] for s in data["per_seed"]] == [0, 0]  # one seed, two studies
    summary = data["summary"]
    assert 0 < summary["latency_search.fbnet beta=0.0/acc"]["mean"] <= 1
    assert summary["latency_search.fbnet beta=1.5/latency_us"]["mean"] > 0
    assert 0 < summary["darts_second_order.darts 2nd order/acc"]["mean"] <= 1
    assert summary["darts_second_order.darts 2nd order/lut_us"]["mean"] > 0
    figs = {f["name"] for f in data["figures"]}
    assert figs == {"latency_search.accuracy_vs_latency", "darts_second_order.accuracy_vs_latency"}
    assert all((tmp_path / f["path"]).is_file() for f in data["figures"])


def test_redraw_of_the_committed_cpu_run_needs_no_rerun(tmp_path):
    shutil.copy(RESULTS / "cpu.json", tmp_path / "cpu.json")
    assert main(["--redraw", str(tmp_path / "cpu.json")]) == 0
    data = json.loads((tmp_path / "cpu.json").read_text())
    assert [f["path"] for f in data["figures"]] == ["cpu_latency_search_accuracy_vs_latency.png"]
    assert (tmp_path / "cpu_latency_search_accuracy_vs_latency.png").stat().st_size > 1000
    committed = json.loads((RESULTS / "cpu.json").read_text())
    assert data["criteria"] == committed["criteria"] and data["summary"] == committed["summary"]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True


@pytest.mark.slow
def test_cpu_darts2_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu-darts2.json"
    main(["--preset", "cpu-darts2", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True


def test_matched_latency_check_compares_with_the_median_of_slower_random_nets_only():
    from fbnet.reproduce.latency_search import matched_latency_check

    random_rows = [("a", 100.0, 0.90), ("b", 105.0, 0.96), ("c", 110.0, 0.98), ("d", 300.0, 0.99)]
    arms = {"x": [{"acc": 0.95, "lut_us": 100.0}, {"acc": 0.97, "lut_us": 50.0}]}
    # net 1: random nets within 1.1 x 100 us are a, b, c (median 0.96) -> fails; net 2: none comparable
    checked, fails = matched_latency_check(arms, random_rows, 1.1)
    assert checked == 1 and fails == ["x: 0.950 < 0.960"]
    assert matched_latency_check({"x": [{"acc": 0.96, "lut_us": 100.0}]}, random_rows, 1.1) == (1, [])
