import json

import pytest

from sd_darts.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [s["seed"] for s in data["per_seed"]] == [0]
    crit = {c["name"][:3]: c for c in data["criteria"]}
    assert set(crit) == {"(a)", "(b)", "(c)"}
    # at 3 epochs λ_max differs between arms by about 1 % and its sign changes with the seed, so the quick run
    # checks only that every arm was measured; the direction of the mechanism is tested in test_sd_darts.py
    metrics = data["per_seed"][0]["metrics"]
    for arm in ("DARTS-1st", "DARTS-2nd", "SDARTS-RS", "SD-DARTS"):
        assert 0 <= metrics[f"{arm}.regret"] <= 1
        assert 0 < metrics[f"{arm}.eig_3"] < 10
        assert -1 <= metrics[f"{arm}.gap_inherited"] <= 1


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
