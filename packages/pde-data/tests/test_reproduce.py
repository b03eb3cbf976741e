import json
from pathlib import Path

import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")
pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")

from pde_data.reproduce import main  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_meets_criteria(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True, [c for c in data["criteria"] if not c["passed"]]
    # direction of the claims: the orders come out as the schemes' orders
    s = data["summary"]
    assert s["burgers.time_order"] > 3.5 and abs(s["darcy.order"] - 2) < 0.1
    assert s["navier_stokes.cnab2_order"] > s["navier_stokes.fno_order"] + 0.5
    assert "datasets" in data["tables"]
    assert [(e["study"], e["seed"]) for e in data["per_seed"]] == [
        ("grf", 0),
        ("grf", 1),
        ("datasets", 0),
        ("datasets", 1),
    ]
    assert {c["study"] for c in data["criteria"]} == set(data["config"])


def test_committed_results_match_the_studies():
    """The committed runs were written by the same studies: their configs have the studies' fields."""
    from pde_data.reproduce import PRESETS, STUDIES

    for name in ("quick", "cpu"):
        data = json.loads((RESULTS / f"{name}.json").read_text())
        for study, fields in data["config"].items():
            cfg = STUDIES[study].config(
                **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
            )
            assert cfg == PRESETS[name].studies[study], (name, study)


@pytest.mark.slow
def test_cpu_preset_meets_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    data = json.loads(out.read_text())
    assert data["passed"] is True, [c for c in data["criteria"] if not c["passed"]]
