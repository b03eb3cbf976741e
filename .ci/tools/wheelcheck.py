"""Static check of a built wheel against the source tree it was built from (used by ``nox -s release_check``).

A wheel must hold every module of ``src/<package>/`` (a module left out by a build rule would only show up as
an ImportError on a user's machine), the README as its long description, ``py.typed`` when the source has one,
and, for a paper package, its ``<dist>-reproduce`` entry point.

    python .ci/tools/wheelcheck.py WHEEL SRC_PACKAGE_DIR [--script NAME]

Exit status 0 when the wheel is complete, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path


def wheel_problems(wheel: str | Path, package_dir: str | Path, script: str | None = None) -> list[str]:
    """What ``wheel`` lacks compared with the source package folder ``package_dir`` (``src/<package>``)."""
    wheel, package_dir = Path(wheel), Path(package_dir)
    if not package_dir.is_dir():
        return [f"{package_dir}: no such source package folder"]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        metadata = zf.read(meta_name).decode("utf-8") if meta_name else ""
        ep_name = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        entry_points = zf.read(ep_name).decode("utf-8") if ep_name else ""
    problems = []
    if meta_name is None:
        problems.append(f"{wheel.name}: no METADATA")
    root = package_dir.name
    wanted = sorted(
        f"{root}/{p.relative_to(package_dir).as_posix()}"
        for p in package_dir.rglob("*")
        if p.is_file() and (p.suffix == ".py" or p.name == "py.typed") and "__pycache__" not in p.parts
    )
    missing = [w for w in wanted if w not in names]
    problems += [f"{wheel.name}: {m} is in the source tree but not in the wheel" for m in missing]
    if "Description-Content-Type: text/markdown" not in metadata:
        problems.append(f"{wheel.name}: the README is not its long description (text/markdown)")
    if script and f"{script} =" not in entry_points:
        problems.append(f"{wheel.name}: no console script {script!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel")
    parser.add_argument("package_dir")
    parser.add_argument("--script", default=None)
    args = parser.parse_args(argv)
    problems = wheel_problems(args.wheel, args.package_dir, args.script)
    for line in problems:
        print(line)
    if not problems:
        print(f"{Path(args.wheel).name}: every module of {args.package_dir} is in the wheel")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
