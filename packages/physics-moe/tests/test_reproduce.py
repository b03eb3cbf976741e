import json
from pathlib import Path

import pytest

from physics_moe.reproduce import main


def test_quick_preset_points_the_claims_way(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    crit = {c["name"]: c["passed"] for c in data["criteria"]}
    # the direction: the hard constraint beats the soft penalty; the layer is exact on the linear task
    assert crit["PI-HC error < PI-SC error"] is True
    assert all(v for k, v in crit.items() if k.startswith("linear task"))
    assert [s["seed"] for s in data["per_seed"]][:1] == [0]


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    # the rerun reproduces the committed outcome of every criterion (the 5 % bar failed there: see the README)
    committed = json.loads((Path(__file__).resolve().parents[1] / "results" / "cpu.json").read_text())
    outcome = {(c["study"], c["name"]): c["passed"] for c in committed["criteria"]}
    assert {(c["study"], c["name"]): c["passed"] for c in json.loads(out.read_text())["criteria"]} == outcome
