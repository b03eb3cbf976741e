import json

import pytest

from nn_to_no.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [s["seed"] for s in data["per_seed"]] == [0]
    ratio = {
        arm: data["summary"][f"resolvent.{arm}.ratio@64"]["mean"]
        for arm in ("cnn", "integral", "fno", "io_interp")
    }
    # the plain CNN's error grows off its training grid more than every operator's
    assert ratio["cnn"] > max(ratio["integral"], ratio["fno"], ratio["io_interp"])
    assert ratio["io_interp"] == pytest.approx(1.0, abs=0.02)


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
