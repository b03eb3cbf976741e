import json
from pathlib import Path

import pytest

from darts_pt.reproduce import main

COMMITTED = Path(__file__).resolve().parents[1] / "results"
TIMINGS = ("select_time_s", "search_time_s")


def _no_timings(obj):
    if isinstance(obj, dict):
        return {k: _no_timings(v) for k, v in obj.items() if not k.endswith(TIMINGS)}
    if isinstance(obj, list):
        return [_no_timings(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick") / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    return json.loads(out.read_text()), out


def test_quick_preset_direction(quick):
    res, _ = quick
    s = res["summary"]
    assert s["nb_digits.pt.regret"]["mean"] <= s["nb_digits.magnitude.regret"]["mean"]
    assert [(p["seed"], p["study"]) for p in res["per_seed"]] == [(0, "nb_digits")]


def test_quick_preset_is_the_committed_one(quick):
    """Same seed, same protocol: every number of the committed quick.json but the wall times comes out again."""
    res, _ = quick
    committed = json.loads((COMMITTED / "quick.json").read_text())
    for key in ("config", "seeds", "per_seed", "summary", "baseline", "paper", "criteria", "tables"):
        assert _no_timings(res[key]) == _no_timings(committed[key]), key
    timing_row = "selection wall time / search wall time, DARTS-PT"
    assert [r for r in res["rows"] if r["metric"] != timing_row] == [
        r for r in committed["rows"] if r["metric"] != timing_row
    ]


def test_figure_is_drawn_from_the_results(quick, tmp_path):
    res, out = quick
    assert [f["name"] for f in res["figures"]] == ["nb_digits.regret_per_seed"]
    assert (out.parent / res["figures"][0]["path"]).exists()
    copy = tmp_path / "cpu.json"
    copy.write_text((COMMITTED / "cpu.json").read_text())
    assert main(["--redraw", str(copy)]) == 0
    assert (tmp_path / "cpu_nb_digits_regret_per_seed.png").stat().st_size > 5000


@pytest.mark.slow
def test_cpu_preset_reproduces_the_committed_results(tmp_path):
    """The cpu preset gives the committed per-seed numbers and verdict again (whatever the verdict is)."""
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    res = json.loads(out.read_text())
    committed = json.loads((COMMITTED / "cpu.json").read_text())
    assert _no_timings(res["per_seed"]) == _no_timings(committed["per_seed"])
    assert res["criteria"] == committed["criteria"]
    assert res["passed"] == committed["passed"]
