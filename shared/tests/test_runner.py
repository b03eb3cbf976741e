import dataclasses
import json

import pytest
import torch

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Preset, Study, apply_overrides, parse_override, pyplot, run_cli, threads


@dataclasses.dataclass(frozen=True)
class CountCfg:
    n: int = 3
    scale: float = 1.0
    n_seeds: int | None = None
    tags: tuple[str, ...] = ("a",)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"count.n must be >= 1, got {self.n}")


SEEN: dict = {}


def count_run(cfg: CountCfg, ctx) -> None:
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    SEEN.update(
        seeds=seeds, n=cfg.n, scale=cfg.scale, threads=torch.get_num_threads(), device=str(ctx.device)
    )
    vals = []
    for s in seeds:
        v = float(s * cfg.scale)
        ctx.add_seed(s, {"value": v})
        vals.append(v)
    ctx.set_summary("value", mean_std(vals))
    ctx.set_data("curve", [[0, 1, 2], vals[:3] + [0.0] * (3 - len(vals[:3]))])
    ctx.add_row("count", "value", ctx.results.summary["count.value"])
    ctx.add_criterion("value >= 0", min(vals) >= 0, f"min {min(vals)}")


def count_draw(ctx) -> None:
    plt = pyplot()
    fig, ax = plt.subplots()
    xs, ys = ctx.get_data("curve")
    ax.plot(xs, ys)
    ctx.save_figure(fig, "curve", "value against step")


def other_run(cfg: CountCfg, ctx) -> None:
    ctx.add_seed(ctx.seeds[0], {"other": 1})
    ctx.add_criterion("other", False, "always fails")


STUDIES = {
    "count": Study(CountCfg, count_run, "counts seeds", draw=count_draw),
    "other": Study(CountCfg, other_run, "fails"),
}
PRESETS = {
    "quick": Preset(seeds=(0, 1), studies={"count": CountCfg(n=1)}),
    "cpu": Preset(seeds=(0, 1, 2, 3), studies={"count": CountCfg(n_seeds=2), "other": CountCfg()}),
    "full": Preset(seeds=(0,), studies={"count": CountCfg()}, threads=1),
}


def cli(*argv):
    return run_cli("demo", "0.1.0", STUDIES, PRESETS, argv=list(argv))


def test_runner_writes_valid_results_with_prefix_seeds_and_figure(tmp_path, capsys):
    out = tmp_path / "cpu.json"
    assert cli("--preset", "cpu", "--out", str(out), "--device", "cpu", "--no-progress") == 0
    assert SEEN["seeds"] == (0, 1)
    data = json.loads(out.read_text())
    assert data["preset"] == "cpu" and data["seeds"] == [0, 1, 2, 3]
    assert data["config"]["count"]["n_seeds"] == 2 and set(data["config"]) == {"count", "other"}
    assert [e["study"] for e in data["per_seed"]] == ["count", "count", "other"]
    assert data["passed"] is False and data["criteria"][1]["study"] == "other"
    assert data["figures"] == [
        {"name": "count.curve", "path": "cpu_count_curve.png", "caption": "value against step"}
    ]
    assert (tmp_path / "cpu_count_curve.png").stat().st_size > 1000
    printed = capsys.readouterr().out
    assert printed.index('"n_seeds": 2') < printed.index("| count |") and "NOT all met (1/2)" in printed


def test_seeds_threads_only_and_set(tmp_path):
    before = torch.get_num_threads()
    out = tmp_path / "q.json"
    cli(
        "--preset",
        "cpu",
        "--seeds",
        "5",
        "6",
        "7",
        "--threads",
        "1",
        "--only",
        "count",
        "--set",
        "count.scale=2",
        "--set",
        "count.n_seeds=None",
        "--out",
        str(out),
        "--no-progress",
    )
    assert SEEN["seeds"] == (5, 6, 7) and SEEN["scale"] == 2.0 and SEEN["threads"] == 1
    assert torch.get_num_threads() == before  # restored
    data = json.loads(out.read_text())
    assert set(data["config"]) == {"count"} and data["config"]["count"]["scale"] == 2.0


def test_redraw_from_a_results_file(tmp_path, capsys):
    out = tmp_path / "quick.json"
    cli("--out", str(out), "--no-progress")
    assert "not a reproduction verdict" in capsys.readouterr().out
    png = tmp_path / "quick_count_curve.png"
    png.unlink()
    assert cli("--redraw", str(out)) == 0
    assert png.exists() and json.loads(out.read_text())["figures"][0]["path"] == png.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("count.n=0", "count.n must be >= 1"),
        ("count.n=x", "expected a int"),
        ("count.size=3", "no field 'size'"),
        ("nothing.n=3", "unknown study"),
        ("other.n=3", "not part of this preset"),
        ("n=3", "STUDY.FIELD=VALUE"),
    ],
)
def test_bad_overrides_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(PRESETS["quick"], [text], STUDIES)


def test_override_coercion():
    assert parse_override("a.b=1e-3") == ("a", "b", 1e-3)
    assert parse_override("a.b=hello") == ("a", "b", "hello")
    p = apply_overrides(PRESETS["quick"], ["count.scale=3", "count.tags=['x','y']"], STUDIES)
    assert p.studies["count"].scale == 3.0 and p.studies["count"].tags == ("x", "y")
    with pytest.raises(ValueError, match="expected a int"):
        apply_overrides(PRESETS["quick"], ["count.n=True"], STUDIES)


def test_cli_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli("--set", "count.n=0")
    assert "count.n must be >= 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="--only"):
        cli("--only", "other", "--out", str(tmp_path / "x.json"))
    with pytest.raises(ValueError, match="presets must define"):
        run_cli("demo", "0", STUDIES, {"quick": PRESETS["quick"]}, argv=[])
    with pytest.raises(SystemExit):
        cli("--version")
    assert "demo 0.1.0" in capsys.readouterr().out


def test_threads_restores_even_on_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError), threads(1):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads"):
        threads(0)


def test_missing_optional_dependency_fails_before_running(tmp_path):
    studies = {"count": dataclasses.replace(STUDIES["count"], requires=("surely_not_a_module_xyz",))}
    SEEN.clear()
    with pytest.raises(RuntimeError, match="study count needs surely_not_a_module_xyz"):
        run_cli("demo", "0", studies, PRESETS, argv=["--out", str(tmp_path / "q.json")])
    assert SEEN == {}  # nothing ran


def test_unwritable_out_keeps_the_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli("--out", str(blocker / "sub" / "quick.json"), "--no-progress") == 0
    err = capsys.readouterr().err
    assert "the results are in" in err
    saved = err.split("the results are in ")[1].strip()
    assert json.loads(open(saved).read())["package"] == "demo"


def test_preset_threads_apply_unless_overridden(tmp_path):
    before = torch.get_num_threads()
    cli("--preset", "full", "--out", str(tmp_path / "f.json"), "--no-progress")
    assert SEEN["threads"] == 1 and torch.get_num_threads() == before
    assert json.loads((tmp_path / "f.json").read_text())["versions"]["torch_threads"] == 1
    if before > 1:
        cli("--preset", "full", "--threads", str(before), "--out", str(tmp_path / "f.json"), "--no-progress")
        assert SEEN["threads"] == before
