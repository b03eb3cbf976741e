"""The release check fails on a wheel that lacks a module (`nox -s release_check`, `.ci/tools/wheelcheck.py`).

Repository tooling, run by `nox -s tests` as its `tools` entry (never published).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("wheelcheck", REPO / ".ci" / "tools" / "wheelcheck.py")
wheelcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wheelcheck)
SRC = REPO / "shared" / "src" / "paperzoo_shared"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """The shared package's wheel as built for a release, and a copy of it without ``bench.py``."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            uv,
            "build",
            "--quiet",
            "--package",
            "paperzoo-shared",
            "--no-sources",
            "--wheel",
            "--out-dir",
            str(out),
        ],
        cwd=REPO,
        check=True,
    )
    (good,) = out.glob("*.whl")
    broken = tmp_path_factory.mktemp("broken") / good.name
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if item.filename != "paperzoo_shared/bench.py":
                dst.writestr(item, src.read(item))
    return good, broken


def test_complete_wheel_passes(wheels):
    good, _ = wheels
    assert wheelcheck.wheel_problems(good, SRC) == []


def test_wheel_without_a_module_is_named(wheels):
    _, broken = wheels
    problems = wheelcheck.wheel_problems(broken, SRC)
    assert problems == [f"{broken.name}: paperzoo_shared/bench.py is in the source tree but not in the wheel"]


def test_missing_console_script_is_named(wheels):
    good, _ = wheels
    problems = wheelcheck.wheel_problems(good, SRC, script="paperzoo-shared-reproduce")
    assert problems == [f"{good.name}: no console script 'paperzoo-shared-reproduce'"]


def test_release_check_session_fails_on_the_broken_wheel(wheels):
    pytest.importorskip("nox")
    _, broken = wheels
    env = {**os.environ, "NOX_DEFAULT_VENV_BACKEND": "none"}
    cmd = [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), "-s", "release_check", "--"]
    run = subprocess.run(
        [*cmd, "shared", "--wheel", str(broken)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    assert "paperzoo_shared/bench.py is in the source tree but not in the wheel" in run.stdout + run.stderr
