import json
from pathlib import Path

import pytest

from tell_clustering.reproduce import main

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_points_the_claims_way(tmp_path):
    """Direction of the shallow and online claims: TELL matches k-means (the deep study only smoke-runs here)."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [c["passed"] for c in data["criteria"] if c["study"] in ("shallow", "online")] == [
        True,
        True,
        True,
    ]
    assert {s["seed"] for s in data["per_seed"]} == {0, 1}
    assert (tmp_path / "quick_deep_prototypes.png").exists()


@pytest.mark.slow
def test_cpu_preset_reproduces_the_committed_verdict(tmp_path):
    """The cpu preset's criteria come out as committed (the shallow ones pass); a failed claim stays failed."""
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert all(c["passed"] for c in data["criteria"] if c["study"] == "shallow")
    committed = RESULTS / "cpu.json"
    if committed.exists():
        ref = json.loads(committed.read_text())
        assert [(c["name"], c["passed"]) for c in data["criteria"]] == [
            (c["name"], c["passed"]) for c in ref["criteria"]
        ]
