import json

import pytest

from fbnet.reproduce import main


def test_quick_preset_runs_and_reports_every_criterion(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) in (0, 1)
    data = json.loads(out.read_text())
    names = [c["name"] for c in data["criteria"]]
    assert len(names) == 6 and names[0].startswith("(i)") and names[-1].startswith("(vi)")
    assert [s["seed"] for s in data["per_seed"]] == [0]
    summary = data["summary"]
    assert 0 < summary["latency_search.fbnet beta=0.0/acc"]["mean"] <= 1
    assert summary["latency_search.fbnet beta=1.5/latency_us"]["mean"] > 0


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
