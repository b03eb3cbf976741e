import json

import pytest

from __pkg__.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    assert [s["seed"] for s in data["per_seed"]] == [0, 1]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
