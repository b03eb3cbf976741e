import json

import pytest

from transferability.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    """Direction only (a smoke run, not a verdict): frozen top-layer features of the other half are worse."""
    out = tmp_path / "quick.json"
    args = ["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu", "--only", "mlp"]
    assert main(args) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    assert s["mlp.AnB@4"]["mean"] < s["mlp.base@0"]["mean"] - 0.02
    assert s["mlp.AnB@4"]["mean"] < s["mlp.AnB@1"]["mean"]
    assert [p["seed"] for p in data["per_seed"]] == [0, 0]  # one split, two directions


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    committed = {
        (c["study"], c["name"]): c["passed"]
        for c in json.loads(
            (__import__("pathlib").Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text()
        )["criteria"]
    }
    assert {(c["study"], c["name"]): c["passed"] for c in data["criteria"]} == committed
