import json
from pathlib import Path

import pytest

from rarts.reproduce import main

COMMITTED = Path(__file__).resolve().parents[1] / "results"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick") / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    return json.loads(out.read_text()), out


def test_quick_preset_points_the_claims_way(quick):
    """The direction of the claims at toy scale: RARTS reaches its closed form, nearer the bilevel optimum than
    first-order DARTS; one RARTS iteration makes no more backward passes than second-order DARTS'; every arm of
    the long search derives a cell of the table."""
    res, _ = quick
    s = res["summary"]
    toy = [c for c in res["criteria"] if c["study"] == "toy"]
    assert len(toy) == 2 and all(c["passed"] for c in toy)
    assert abs(s["toy.alpha_rarts"] - 1) < abs(s["toy.alpha_darts1"] - 1)
    assert s["cost.RARTS (exact α gradient).backward_passes"] < s["cost.DARTS-2nd.backward_passes"]
    assert s["cost.RARTS (reused α gradient).backward_passes"] == s["cost.DARTS-1st.backward_passes"] == 2
    assert not any(s[f"cost.{m}.second_derivatives"] for m in ("DARTS-1st", "RARTS (exact α gradient)"))
    assert [(p["seed"], p["study"]) for p in res["per_seed"]] == [(0, "long_search")]
    assert all(0 <= p["metrics"][f"{a}.regret"] < 1 for p in res["per_seed"] for a in ("DARTS-1st", "RARTS"))


def test_quick_figures_are_drawn(quick):
    res, out = quick
    names = sorted(f["name"] for f in res["figures"])
    assert names == ["long_search.regret_per_seed", "toy.alpha"]
    assert all((out.parent / f["path"]).exists() for f in res["figures"])


@pytest.mark.slow
def test_cpu_preset_reproduces_the_committed_results(tmp_path):
    """The cpu preset gives the committed per-seed cells and verdict of the long search again (the timing
    criterion is machine-dependent, so only its ratio's side of the threshold is compared)."""
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    res = json.loads(out.read_text())
    committed = json.loads((COMMITTED / "cpu.json").read_text())

    def strip(seeds):
        return [{k: v for k, v in p["metrics"].items() if not k.endswith("seconds")} for p in seeds]

    def crit(r):
        return [(c["name"], c["passed"]) for c in r["criteria"] if c["study"] != "cost"]

    assert strip(res["per_seed"]) == strip(committed["per_seed"])
    assert crit(res) == crit(committed)


def test_full_only_studies_run_at_toy_size(tmp_path):
    """The width search and the λ, β grid (full preset) at toy size: the results file is valid and complete."""
    from paperzoo_shared.runner import Preset, run_preset
    from rarts import __version__
    from rarts.reproduce import STUDIES, grid, width

    configs = {
        "width": width.Config(epochs=1, retrain_epochs=1, channels=(4, 8)),
        "grid": grid.Config(epochs=1, lams=(1.0,), betas=(0.5,), workers=1, checkpoints=()),
    }
    for name, cfg in configs.items():
        out = tmp_path / f"{name}.json"
        run_preset(
            "rarts",
            __version__,
            STUDIES,
            Preset(seeds=(0,), studies={name: cfg}),
            preset_name="toy",
            seeds=[0],
            device="cpu",
            out=out,
            only=None,
            n_threads=1,
        )
        res = json.loads(out.read_text())
        assert res["per_seed"][0]["study"] == name and set(res["tables"]) == {name}
