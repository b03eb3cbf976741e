"""The quick preset runs end to end; (slow) the cpu preset gives the committed numbers and verdict again."""

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("pde_data")
pytest.importorskip("neuralop")

from mgno.reproduce import main  # noqa: E402

COMMITTED = Path(__file__).resolve().parents[1] / "results"


def test_quick_preset_runs_and_reports_every_model(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert [s["seed"] for s in data["per_seed"]] == [0]
    metrics = data["per_seed"][0]["metrics"]
    for m in ("mgno", "fno", "unet"):
        assert math.isfinite(metrics[f"{m}.test_l2"]) and math.isfinite(metrics[f"{m}.test_h1"])
    assert len(data["criteria"]) == 1 and "best baseline" in data["criteria"][0]["name"]


def _no_timings(per_seed):
    return [
        {k: v for k, v in s["metrics"].items() if not k.endswith(("s_per_epoch", "train_seconds"))}
        for s in per_seed
    ]


@pytest.mark.slow
def test_cpu_preset_reproduces_the_committed_results(tmp_path):
    """The cpu preset gives the committed per-seed numbers and verdict again (whatever the verdict is)."""
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    res = json.loads(out.read_text())
    committed = json.loads((COMMITTED / "cpu.json").read_text())
    for a, b in zip(_no_timings(res["per_seed"]), _no_timings(committed["per_seed"])):
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-3), k
    assert [c["passed"] for c in res["criteria"]] == [c["passed"] for c in committed["criteria"]]
