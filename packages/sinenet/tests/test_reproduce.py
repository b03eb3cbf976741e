import json

import pytest

from sinenet.reproduce import main


def test_quick_preset_runs_and_reports(tmp_path):
    """Toy scale (2 epochs, 32 trajectories): a smoke run; the claim's direction is not expected to show here."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [s["seed"] for s in data["per_seed"]] == [0]
    assert len(data["criteria"]) == 2
    rows = data["tables"]["models"]["rows"]
    assert [r[0] for r in rows] == ["U-Net", "SineNet-2"]
    assert len(rows[1][4].split(" / ")) == 2  # misalignment per wave
    one_u = data["summary"]["advection.U-Net.one_step"]["mean"]
    assert one_u < data["baseline"]["advection.copy_last_frame.one_step"]  # the U-Net learns something


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
