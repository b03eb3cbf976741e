"""Print the JSON list of packages CI must test for the changed files read from stdin (one path a line).

A file under packages/<dist>/ selects that package (and the packages that depend on it); a change to shared/,
the noxfile, the root pyproject, uv.lock, .ci/ or .github/ selects every package; docs/ and mkdocs.yml select
none (the docs job covers them). An unknown top-level path is an error, so this list is kept current.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ("shared/", "noxfile.py", "pyproject.toml", "uv.lock", ".ci/", ".github/", "LICENSE")
DOCS_ONLY = ("docs/", "mkdocs.yml", "README.md", ".gitignore")


def packages() -> list[str]:
    return sorted(
        p.parent.name
        for p in (ROOT / "packages").glob("*/pyproject.toml")
        if not p.parent.name.startswith("_")
    )


def dependents(dist: str, all_pkgs: list[str]) -> set[str]:
    out = set()
    for other in all_pkgs:
        deps = tomllib.loads((ROOT / "packages" / other / "pyproject.toml").read_text())["project"].get(
            "dependencies", []
        )
        if any(re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0] == dist for d in deps):
            out |= {other} | dependents(other, all_pkgs)
    return out


def select(paths: list[str]) -> list[str]:
    all_pkgs = packages()
    chosen: set[str] = set()
    for path in filter(None, (p.strip() for p in paths)):
        if path.startswith(EVERYTHING):
            return all_pkgs
        if path.startswith("packages/_template/"):
            continue
        if path.startswith("packages/"):
            dist = path.split("/")[1]
            if dist in all_pkgs:
                chosen |= {dist} | dependents(dist, all_pkgs)
            continue
        if path.startswith(DOCS_ONLY):
            continue
        raise SystemExit(f"changed_packages.py: unknown top-level path {path!r}; add it to the lists")
    return sorted(chosen)


if __name__ == "__main__":
    print(json.dumps(select(sys.stdin.read().splitlines())))
