import json

import pytest

from proxylessnas.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert (
        main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu", "--only", "memory"])
        == 0
    )
    data = json.loads(out.read_text())
    s = data["summary"]
    assert s["memory.darts_growth"] > 2  # DARTS grows with N
    assert 0.8 <= s["memory.b_over_e"]["mean"] <= 1.25  # Proxyless stays at the single path


@pytest.mark.slow
def test_quick_search_study_runs(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    assert "search.sign_agreement" in json.loads(out.read_text())["summary"]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
