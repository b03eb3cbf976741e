import importlib.util
import json
from pathlib import Path

import pytest

from paperzoo_shared.results import Results, SchemaError, mean_std

TOOL = Path(__file__).resolve().parents[1] / "render.py"
spec = importlib.util.spec_from_file_location("render_tool", TOOL)
render = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render)


def make_results(preset: str = "cpu") -> Results:
    r = Results(package="demo", version="0.1.0", preset=preset, config={"toy": {"a": 1}}, seeds=[0, 1])
    r.add_seed(0, {"acc": 0.9}, study="toy")
    r.add_seed(1, {"acc": 0.92}, study="toy")
    r.add_row("toy", "accuracy", mean_std([0.9, 0.92]), paper="0.95 (Table 1)", baseline="0.80")
    r.add_criterion("accuracy >= 0.85", True, "0.91")
    r.add_table("speed", ["impl", "ratio"], [["ours", "1.00x"], ["peer", "1.50x"]])
    return r.finalize(wall_time_s=1.0, device="cpu")


README = """# demo

<!-- results:begin -->
old
<!-- results:end -->

Speed:

<!-- results:begin speed -->
<!-- results:end speed -->

<!-- figures:begin -->
<!-- figures:end -->
"""


@pytest.fixture()
def pkg(tmp_path):
    pkg = tmp_path / "packages" / "demo"
    (pkg / "results").mkdir(parents=True)
    (pkg / "README.md").write_text(README)
    (pkg / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\n[tool.paperzoo]\npaper = "Demo (2024)"\n'
        'url = "https://example.org"\nclaim = "it works"\n'
    )
    return pkg


def test_render_and_drift_check(pkg):
    make_results().write(pkg / "results" / "cpu.json")
    make_results("quick").write(pkg / "results" / "quick.json")  # never in the main table
    assert render.render_package(pkg, check=True) == [str(pkg / "README.md")]  # stale: "old"
    assert render.render_package(pkg) == [str(pkg / "README.md")]
    text = (pkg / "README.md").read_text()
    assert "| toy | accuracy | 0.95 (Table 1) | 0.910 ± 0.014 (n=2) | 0.80 | cpu (CPU-scale) |" in text
    assert "quick (CPU-scale)" not in text
    assert "| ours | 1.00x |" in text and "1/1 met" in text and "_No figures yet._" in text
    assert render.render_package(pkg, check=True) == []
    (pkg / "README.md").write_text(text.replace("0.910 ± 0.014", "0.990 ± 0.001"))  # a hand edit
    assert render.main(["render", str(pkg), "--check"]) == 1
    assert render.main(["render", str(pkg)]) == 0
    assert render.main(["render", str(pkg), "--check"]) == 0


def test_figures_are_rendered_and_must_exist(pkg):
    r = make_results()
    r.add_figure("toy.curve", "cpu_toy_curve.png", "accuracy over epochs")
    r.write(pkg / "results" / "cpu.json")
    with pytest.raises(SchemaError, match="missing"):
        render.render_package(pkg)
    (pkg / "results" / "cpu_toy_curve.png").write_bytes(b"png")
    render.render_package(pkg)
    url = "https://raw.githubusercontent.com/paperzoo/paperzoo/main/packages/demo/results/cpu_toy_curve.png"
    assert f"![accuracy over epochs]({url})" in (pkg / "README.md").read_text()


def test_invalid_results_file_fails_the_check(pkg, capsys):
    data = make_results().to_dict()
    data["summary"]["nested"] = {"a": {"b": 1}}
    (pkg / "results" / "cpu.json").write_text(json.dumps(data))
    assert render.main(["validate", str(pkg)]) == 1
    assert "mean_std dict" in capsys.readouterr().err


def test_replace_blocks_leaves_unknown_blocks():
    text = "a\n<!-- catalogue:begin -->\nx\n<!-- catalogue:end -->\nb"
    assert render.replace_blocks(text, lambda kind, name: None) == text
    assert "\ny\n" in render.replace_blocks(text, lambda kind, name: "y")


def test_catalogue_and_verdicts(pkg, capsys):
    root = pkg.parents[1]
    (root / "README.md").write_text("<!-- catalogue:begin -->\n<!-- catalogue:end -->\n")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("<!-- catalogue:begin -->\n<!-- catalogue:end -->\n")
    make_results().write(pkg / "results" / "cpu.json")
    assert len(render.render_catalogue(root)) == 2
    readme = (root / "README.md").read_text()
    assert "[`demo`](packages/demo/)" in readme and "reproduced (1/1 criteria, cpu preset)" in readme
    assert "(packages/demo.md)" in (root / "docs" / "index.md").read_text()
    assert render.render_catalogue(root, check=True) == []
    table = render.verdicts(root, {"demo": "quick run ok (3 s)"})
    assert "| demo | reproduced (1/1 criteria, cpu preset) | quick run ok (3 s) |" in table


def test_verdict_opens_with_what_did_not_hold(pkg):
    r = make_results()
    r.add_criterion("speed within 1.1x", False, "1.22x")
    r.write(pkg / "results" / "cpu.json")
    (pkg / "README.md").write_text("## Results\n\n<!-- verdict:begin -->\n<!-- verdict:end -->\n")
    render.render_package(pkg)
    text = (pkg / "README.md").read_text()
    assert "**Verdict (cpu preset, CPU scale): partly reproduced: 1 of 2 criteria held.**" in text
    assert text.index("Did not hold: speed within 1.1x (1.22x).") < text.index("Held: accuracy >= 0.85.")
    assert render.verdict_text(None).startswith("**Verdict: not run yet**")


def test_criteria_shared_by_two_studies_name_their_study(pkg):
    r = make_results()
    r.add_criterion("beats random", False, "-0.01", study="mlp")
    r.add_criterion("beats random", True, "+0.02", study="cnn")
    r.add_criterion("no harm", True, "", study="cnn")
    text = render.verdict_text(r.to_dict())
    assert "Did not hold: mlp: beats random (-0.01)." in text
    assert "Held: accuracy >= 0.85; cnn: beats random; no harm." in text
