import json
from pathlib import Path

import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")
pytest.importorskip("paperzoo_shared", reason="the reproduction needs the reproduce extra")

from pde_data.reproduce import main, navier_stokes  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"
# The spec's Taylor-Green bar (1e-10 against the exact decay) lies below Crank-Nicolson's own time error at the
# check's step (computed from the amplification factor, see test_navier_stokes), so that criterion fails on every
# preset (issue #22 review: the spec's criterion decides); every other criterion holds.
EXPECTED_FAILED = [navier_stokes.TG_EXACT_CRITERION]


def test_quick_preset_meets_criteria(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [c["name"] for c in data["criteria"] if not c["passed"]] == EXPECTED_FAILED
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
    assert [c["name"] for c in data["criteria"] if not c["passed"]] == EXPECTED_FAILED
