import json
import math
from dataclasses import dataclass

import pytest

from paperzoo_shared.cli import reproduce_cli
from paperzoo_shared.results import (
    ResultsFile,
    format_value,
    main,
    mean_std,
    render_catalogue,
    render_package,
    replace_blocks,
)


def test_mean_std_sample_std():
    ms = mean_std([1.0, 2.0, 3.0])
    assert ms == {"mean": 2.0, "std": 1.0, "n": 3}
    assert mean_std([5.0]) == {"mean": 5.0, "std": 0.0, "n": 1}
    assert math.isnan(mean_std([1.0, float("nan")])["mean"])
    with pytest.raises(ValueError):
        mean_std([])


def test_format_value():
    assert format_value({"mean": 0.5, "std": 0.01, "n": 3}) == "0.500 ± 0.010 (n=3)"
    assert format_value(None) == "—"
    assert format_value(1.5e-6) == "1.50e-06"
    assert format_value(300) == "300" and format_value(300.0) == "300.000" and format_value(True) == "yes"


def make_results():
    r = ResultsFile(package="demo", version="0.1.0", preset="cpu", config={"a": 1}, seeds=[0, 1])
    r.add_row("toy", "accuracy", mean_std([0.9, 0.92]), paper="0.95 (Table 1)", baseline="0.80")
    r.add_criterion("accuracy >= 0.85", True, "0.91")
    r.add_table("speed", ["impl", "ratio"], [["ours", "1.00x"], ["peer", "1.50x"]])
    return r


README = """# demo

<!-- results:begin -->
old
<!-- results:end -->

Speed:

<!-- results:begin speed -->
<!-- results:end speed -->
"""


def test_render_and_drift_check(tmp_path):
    pkg = tmp_path / "demo"
    (pkg / "results").mkdir(parents=True)
    (pkg / "README.md").write_text(README)
    r = make_results()
    r.finalize(wall_time_s=1.0, device="cpu")
    r.write(pkg / "results" / "cpu.json")
    assert render_package(pkg, check=True) == [str(pkg / "README.md")]  # stale: "old"
    assert render_package(pkg) == [str(pkg / "README.md")]
    text = (pkg / "README.md").read_text()
    assert "| toy | accuracy | 0.95 (Table 1) | 0.910 ± 0.014 (n=2) | 0.80 | cpu (CPU-scale) |" in text
    assert "| ours | 1.00x |" in text and "1/1 met" in text
    assert render_package(pkg, check=True) == []
    # a hand edit of a number is caught
    (pkg / "README.md").write_text(text.replace("0.910 ± 0.014", "0.990 ± 0.001"))
    assert main(["render", str(pkg), "--check"]) == 1
    assert main(["render", str(pkg)]) == 0
    assert main(["render", str(pkg), "--check"]) == 0


def test_results_roundtrip(tmp_path):
    r = make_results().finalize(wall_time_s=2.0, device="cpu")
    path = r.write(tmp_path / "x.json")
    data = json.loads(path.read_text())
    for key in (
        "package",
        "version",
        "commit",
        "preset",
        "config",
        "seeds",
        "per_seed",
        "summary",
        "baseline",
        "paper",
        "criteria",
        "passed",
        "wall_time_s",
        "device",
        "versions",
        "date",
    ):
        assert key in data
    assert data["passed"] is True
    back = ResultsFile.read(path)
    assert back.rows == r.rows and back.passed is True


def test_replace_blocks_leaves_unknown_blocks():
    text = "a\n<!-- catalogue:begin -->\nx\n<!-- catalogue:end -->\nb"
    assert replace_blocks(text, lambda kind, name: None) == text
    assert "\ny\n" in replace_blocks(text, lambda kind, name: "y")


def test_catalogue(tmp_path):
    pkg = tmp_path / "packages" / "demo"
    (pkg / "results").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\n[tool.paperzoo]\npaper = "Demo (2024)"\n'
        'url = "https://example.org"\nclaim = "it works"\n'
    )
    (tmp_path / "README.md").write_text("<!-- catalogue:begin -->\n<!-- catalogue:end -->\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("<!-- catalogue:begin -->\n<!-- catalogue:end -->\n")
    make_results().finalize(wall_time_s=1, device="cpu").write(pkg / "results" / "cpu.json")
    assert len(render_catalogue(tmp_path)) == 2
    readme = (tmp_path / "README.md").read_text()
    assert "[`demo`](packages/demo/)" in readme and "reproduced (1/1 criteria, cpu preset)" in readme
    assert "(packages/demo.md)" in (tmp_path / "docs" / "index.md").read_text()
    assert render_catalogue(tmp_path, check=True) == []


@dataclass
class Cfg:
    n: int = 3
    seeds: tuple = (0, 1)


def test_reproduce_cli_writes_json(tmp_path, capsys):
    seen = {}

    def run(cfg, *, seeds, device):
        seen.update(seeds=seeds, device=str(device), n=cfg.n)
        r = ResultsFile(package="demo", version="0", preset="", config={}, seeds=[])
        r.add_row("toy", "m", mean_std([1.0, 1.0]))
        r.add_criterion("c", True)
        return r

    out = tmp_path / "q.json"
    res = reproduce_cli(
        {"quick": Cfg(), "cpu": Cfg(n=5), "full": Cfg()},
        run,
        prog="demo-reproduce",
        argv=["--preset", "cpu", "--out", str(out), "--device", "cpu", "--no-progress"],
    )
    assert seen == {"seeds": [0, 1], "device": "cpu", "n": 5}
    data = json.loads(out.read_text())
    assert data["preset"] == "cpu" and data["config"]["n"] == 5 and data["seeds"] == [0, 1]
    assert data["wall_time_s"] >= 0 and data["passed"] is True and res is not None
    printed = capsys.readouterr().out
    assert printed.index('"n": 5') < printed.index("| toy |")  # config printed before the table
    reproduce_cli(
        {"quick": Cfg(), "cpu": Cfg(), "full": Cfg()},
        run,
        prog="demo-reproduce",
        argv=["--seeds", "7", "--out", str(out), "--device", "cpu"],
    )
    assert seen["seeds"] == [7]
    with pytest.raises(ValueError, match="presets must define"):
        reproduce_cli({"quick": Cfg()}, run, prog="x", argv=[])
