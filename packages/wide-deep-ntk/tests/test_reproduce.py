import json

import pytest

from wide_deep_ntk.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    s = data["summary"]
    # the direction of the claims: deep opt ~ Hilbert, 1-NN and majority limits reached
    assert abs(s["singular.d2.opt"]["mean"] - s["singular.d2.hilbert"]["mean"]) < 0.05
    assert s["nearest.agree_L30"]["mean"] > 0.95 and s["majority.ntk_L100"]["mean"] > 0.95


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
