import json

import pytest

from info_plane.reproduce import STUDIES, main
from paperzoo_shared.results import Results
from paperzoo_shared.runner import Context


def test_quick_preset_points_the_claims_way(tmp_path):
    """Direction of the claims at toy scale: tanh's deepest hidden layer loses I(X;T) after the fitting window,
    ReLU's does not lose more; the estimator bounds hold; the figures are drawn."""
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    s = data["summary"]
    tanh = s["ib12.tanh bin: compression width 3"]["mean"]
    relu = s["ib12.relu bin: compression width 3"]["mean"]
    assert tanh > 0 and tanh > relu
    sanity = [c for c in data["criteria"] if c["name"].startswith("estimator sanity")]
    assert sanity and sanity[0]["passed"]
    assert [s["seed"] for s in data["per_seed"]] == [0, 1]
    assert {f["path"] for f in data["figures"]} >= {"quick_ib12_infoplane.png", "quick_ib12_snr.png"}


def test_draw_needs_only_the_results(tmp_path):
    res = Results(package="info-plane", version="0", preset="cpu", config={"ib12": {}}, seeds=[0])
    ctx = Context(res, study="ib12", seeds=[0], device="cpu", out_dir=tmp_path)
    STUDIES["ib12"].draw(ctx)  # no data: draws nothing
    assert res.figures == []


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
