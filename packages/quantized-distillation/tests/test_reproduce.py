import json

import pytest

from quantized_distillation.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    # the paper's direction at 2 bits: training with quantized weights beats quantizing after training
    assert s["digits.qd2"]["mean"] > s["digits.ptq2"]["mean"]
    assert s["digits.dq2"]["mean"] > s["digits.dq_init2"]["mean"]  # learning the points helps
    assert {c["name"] for c in data["criteria"]} and data["seeds"] == [0, 1]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
