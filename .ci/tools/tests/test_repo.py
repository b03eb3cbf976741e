"""Tests of the monorepo's tooling (noxfile, scaffolder, CI package selection).

Repository tooling, run by `nox -s tests` as its `tools` entry (never published).
"""

import importlib.util
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def noxfile():
    pytest.importorskip("nox")
    return load(REPO / "noxfile.py", "paperzoo_noxfile")


@pytest.fixture()
def mini_repo(tmp_path):
    """The parts of the repo the scaffolder touches, copied to a temporary folder."""
    for name in ("LICENSE", "mkdocs.yml", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "packages" / "_template", tmp_path / "packages" / "_template")
    (tmp_path / "docs" / "packages").mkdir(parents=True)
    return tmp_path


def test_scaffold_creates_a_complete_package(noxfile, mini_repo):
    target = noxfile.scaffold("demo-pkg", root=mini_repo)
    expected = [
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "src/demo_pkg/__init__.py",
        "src/demo_pkg/py.typed",
        "src/demo_pkg/reproduce/__init__.py",
        "src/demo_pkg/reproduce/scale.py",
        "tests/test_protocol.py",
        "tests/test_bad_inputs.py",
        "tests/conftest.py",
        "tests/test_readme.py",
        "benchmarks/bench_demo_pkg.py",
        "results",
    ]
    for rel in expected:
        assert (target / rel).exists(), rel
    for f in target.rglob("*"):
        if f.is_file():
            text = f.read_text()
            assert "__pkg__" not in text and "__dist__" not in text, f
    pyproject = (target / "pyproject.toml").read_text()
    assert 'name = "demo-pkg"' in pyproject and 'demo-pkg-reproduce = "demo_pkg.reproduce:main"' in pyproject
    assert '"paperzoo-shared>=0.2,<0.3"' in pyproject and "reproduce = [" in pyproject
    assert "paperzoo-shared" not in pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "<!-- results:begin -->" in (target / "README.md").read_text()
    doc = (mini_repo / "docs" / "packages" / "demo-pkg.md").read_text()
    assert '--8<-- "packages/demo-pkg/README.md"' in doc and "::: demo_pkg" in doc
    mk = (mini_repo / "mkdocs.yml").read_text()
    assert "      - demo-pkg: packages/demo-pkg.md\n" in mk and "            - packages/demo-pkg/src\n" in mk
    with pytest.raises(FileExistsError):
        noxfile.scaffold("demo-pkg", root=mini_repo)
    with pytest.raises(ValueError, match="lowercase"):
        noxfile.scaffold("Bad_Name", root=mini_repo)


def test_scaffolded_package_runs(noxfile, mini_repo, tmp_path):
    """The skeleton's own tests pass (imported from its src folder, with the shared package)."""
    target = noxfile.scaffold("demo-pkg", root=mini_repo)
    env = {"PYTHONPATH": f"{target / 'src'}:{REPO / 'shared' / 'src'}", "PATH": "/usr/bin:/bin"}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow and not gpu",
            "tests",
        ],
        cwd=target,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "passed" in res.stdout


def test_pyproject_rules_catch_leaks_and_unbounded_shared(noxfile, monkeypatch, mini_repo):
    target = noxfile.scaffold("demo-pkg", root=mini_repo)
    good = tomllib.loads((target / "pyproject.toml").read_text())
    real = noxfile.pyproject
    monkeypatch.setattr(noxfile, "pyproject", lambda dist: good if dist == "demo-pkg" else real(dist))
    real_dir = noxfile.pkg_dir
    monkeypatch.setattr(noxfile, "pkg_dir", lambda dist: target if dist == "demo-pkg" else real_dir(dist))
    expected_in_a_new_package = ("docs/packages", "not filled in")
    problems = noxfile.pyproject_problems("demo-pkg")
    assert [
        p for p in problems if not p.endswith(expected_in_a_new_package) and "docs/packages" not in p
    ] == []
    bad = json.loads(json.dumps(good))
    bad["project"]["dependencies"] = ["numpy", "torch>=2.4", "tqdm>=4"]
    bad["project"]["optional-dependencies"] = {
        "reproduce": ["paperzoo-shared>=0.2"],
        "plot": ["matplotlib>=3"],
        "peers": [],
    }
    bad["project"]["classifiers"] = [c for c in good["project"]["classifiers"] if c != "Typing :: Typed"]
    del bad["project"]["urls"]["Changelog"]
    monkeypatch.setattr(noxfile, "pyproject", lambda dist: bad if dist == "demo-pkg" else real(dist))
    problems = noxfile.pyproject_problems("demo-pkg")
    assert any("paperzoo-shared" in p and "upper bound" in p for p in problems)
    assert any("'numpy' has no lower bound" in p for p in problems)
    assert any("tqdm" in p and "reproduce" in p for p in problems)
    assert any("'plot'" in p for p in problems)
    assert any("['peers'] are empty" in p for p in problems)
    assert any("'Typing :: Typed' (from the template) is missing" in p for p in problems)
    assert any(
        "Changelog must be 'https://github.com/paperzoo/paperzoo/blob/main/packages/demo-pkg/" in p
        for p in problems
    )


def test_local_torch_reads_the_environment(noxfile, monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    assert noxfile.local_torch() == []
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(b"")
    assert noxfile.local_torch() == ["--find-links", str(tmp_path), "torch==2.13.0+cpu"]
    monkeypatch.delenv("PIP_FIND_LINKS")
    assert noxfile.local_torch() == []


def test_changed_packages_selection():
    mod = load(REPO / ".github" / "scripts" / "changed_packages.py", "changed_packages")
    everything = mod.packages()
    assert mod.select(["shared/src/paperzoo_shared/seed.py"]) == everything
    assert mod.select(["uv.lock"]) == everything
    assert mod.select(["docs/index.md", "README.md"]) == []
    if "anyloss" in everything:
        assert "anyloss" in mod.select(["packages/anyloss/README.md"])
    for dist in everything:
        for dep in mod.dependents(dist, everything):
            assert dep in mod.select([f"packages/{dist}/pyproject.toml"])
    with pytest.raises(SystemExit, match="unknown top-level path"):
        mod.select(["weird/file.txt"])


def test_committed_tables_match_their_results():
    render = load(REPO / ".ci" / "tools" / "render.py", "render_tool")
    render_catalogue, render_package = render.render_catalogue, render.render_package
    stale = [
        f
        for p in sorted((REPO / "packages").glob("*/pyproject.toml"))
        if not p.parent.name.startswith("_")
        for f in render_package(p.parent, check=True)
    ]
    stale += render_catalogue(REPO, check=True)
    assert stale == [], f"re-render with `uvx nox -s results`: {stale}"
