"""Results files and the tables rendered from them.

A reproduction writes one JSON file per preset (``results/<preset>.json``) holding everything needed to trust
its numbers: package and version, commit, preset and full config, seeds, per-seed metrics, mean ± std, the
baseline, the paper's value with its source, the pass criteria and their outcome, wall time, device, versions
and date (:class:`ResultsFile`).

README tables are never edited by hand. They sit between markers and are rendered from the JSON files:

* ``<!-- results:begin -->`` ... ``<!-- results:end -->``: the main table, one row per entry of ``rows`` in
  every results file of the package except ``quick.json``;
* ``<!-- results:begin NAME -->`` ... ``<!-- results:end NAME -->``: the named table ``tables[NAME]`` of the
  first results file that has it (benchmarks write ``results/bench.json`` with such tables);
* ``<!-- catalogue:begin -->`` ... ``<!-- catalogue:end -->`` in the root README and docs index: one row per
  package, from its ``pyproject.toml`` (``[tool.paperzoo]``) and ``results/cpu.json``.

``python -m paperzoo_shared.results render PKG_DIR [--check]`` and ``... catalogue REPO_ROOT [--check]`` do
the rendering; ``--check`` changes nothing and exits 1 when a table differs from what the JSON says.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import math
import platform
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def mean_std(values: Iterable[float]) -> dict[str, float]:
    """``{"mean", "std", "n"}`` of a sequence; ``std`` is the sample standard deviation (ddof=1, 0 for n=1).

    Non-finite values are kept, so a diverged seed shows up as ``nan`` instead of vanishing.
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("mean_std needs at least one value, got an empty sequence")
    n = len(vals)
    mean = sum(vals) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "std": std, "n": n}


def format_value(value: Any, digits: int = 3) -> str:
    """Format a number, a ``mean_std`` dict or a string for a table cell."""
    if value is None:
        return "—"
    if isinstance(value, Mapping) and "mean" in value:
        n = int(value.get("n", 1))
        m, s = float(value["mean"]), float(value.get("std", 0.0))
        return f"{_num(m, digits)} ± {_num(s, digits)} (n={n})" if n > 1 else f"{_num(m, digits)} (n=1)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)  # counts, sizes, seeds: no decimals
    if isinstance(value, float):
        return _num(float(value), digits)
    return str(value)


def _num(x: float, digits: int) -> str:
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 10 ** (-digits) or abs(x) >= 1e5):
        return f"{x:.{max(digits - 1, 1)}e}"
    return f"{x:.{digits}f}"


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current git commit, or None outside a checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment(device: Any = None) -> dict[str, Any]:
    """Versions and hardware of this run: python, torch, numpy, platform, device name."""
    import numpy as np

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.machine(),
    }
    try:
        import os

        env["cpu_count"] = os.cpu_count()
        import torch

        env["torch"] = torch.__version__
        env["cuda"] = torch.version.cuda
        if device is not None and str(device).startswith("cuda") and torch.cuda.is_available():
            env["device_name"] = torch.cuda.get_device_name(torch.device(str(device)))
    except ImportError:
        pass
    return env


def hardware_label(device: Any = None) -> str:
    """A short hardware description for table cells, e.g. ``CPU x2`` or ``NVIDIA H100``."""
    env = environment(device)
    if "device_name" in env:
        return str(env["device_name"])
    return f"CPU x{env.get('cpu_count', '?')}"


@dataclasses.dataclass
class ResultsFile:
    """One reproduction run, as written to ``results/<preset>.json``.

    ``rows`` feed the README's main table; each row is a dict with ``setting``, ``metric``, ``paper`` (a
    string quoting the paper's number with its table, or None), ``ours`` (a :func:`mean_std` dict) and
    ``baseline`` (a string or :func:`mean_std` dict, or None). ``tables`` holds extra named tables as
    ``{"columns": [...], "rows": [[...], ...]}``. ``criteria`` lists ``{"name", "passed", "detail"}``.
    """

    package: str
    version: str
    preset: str
    config: dict[str, Any]
    seeds: list[int]
    per_seed: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)
    baseline: dict[str, Any] = dataclasses.field(default_factory=dict)
    paper: dict[str, Any] = dataclasses.field(default_factory=dict)
    criteria: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tables: dict[str, Any] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    commit: str | None = None
    wall_time_s: float | None = None
    device: str = "cpu"
    hardware: str = ""
    versions: dict[str, Any] = dataclasses.field(default_factory=dict)
    date: str = ""
    schema: int = SCHEMA_VERSION

    def add_criterion(self, name: str, passed: bool, detail: str = "") -> bool:
        """Record a pass criterion and its outcome; returns ``passed``."""
        self.criteria.append({"name": name, "passed": bool(passed), "detail": detail})
        return bool(passed)

    def add_row(
        self,
        setting: str,
        metric: str,
        ours: Any,
        *,
        paper: str | None = None,
        baseline: Any = None,
    ) -> None:
        """Add a row to the main README table (``ours`` is usually a :func:`mean_std` dict)."""
        self.rows.append(
            {"setting": setting, "metric": metric, "paper": paper, "ours": ours, "baseline": baseline}
        )

    def add_table(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Add a named table, rendered between ``<!-- results:begin NAME -->`` markers."""
        self.tables[name] = {"columns": list(columns), "rows": [list(r) for r in rows]}

    @property
    def passed(self) -> bool | None:
        """True when every criterion passed, None when there are none."""
        if not self.criteria:
            return None
        return all(c["passed"] for c in self.criteria)

    def finalize(self, *, wall_time_s: float, device: Any) -> ResultsFile:
        """Fill in commit, wall time, device, hardware, versions and date."""
        self.commit = self.commit or git_commit()
        self.wall_time_s = round(float(wall_time_s), 2)
        self.device = str(device)
        self.hardware = self.hardware or hardware_label(device)
        self.versions = self.versions or environment(device)
        self.date = self.date or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")
        return self

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["passed"] = self.passed
        return _jsonable(d)

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> ResultsFile:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("passed", None)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def _jsonable(obj: Any) -> Any:
    """Turn tensors, numpy scalars, tuples and paths into plain JSON values."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy arrays/scalars and torch tensors
        return _jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    return obj


# --------------------------------------------------------------------------------------------- rendering

MAIN_COLUMNS = [
    "setting",
    "metric",
    "paper (source)",
    "ours (mean ± std, n seeds)",
    "baseline",
    "preset",
    "hardware",
]


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 3) -> str:
    """A GitHub-flavoured markdown table; cells go through :func:`format_value`."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = [format_value(c, digits).replace("|", "\\|").replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _preset_label(preset: str) -> str:
    return f"{preset} (CPU-scale)" if preset in ("quick", "cpu") else preset


def main_table(results: Sequence[Mapping[str, Any]]) -> str:
    """The main README table from results dicts (rows of every file, in order)."""
    rows = []
    for res in results:
        for r in res.get("rows", []):
            rows.append(
                [
                    r.get("setting"),
                    r.get("metric"),
                    r.get("paper"),
                    r.get("ours"),
                    r.get("baseline"),
                    _preset_label(str(res.get("preset", "?"))),
                    res.get("hardware") or "?",
                ]
            )
        crit = res.get("criteria") or []
        if crit:
            n_pass = sum(bool(c.get("passed")) for c in crit)
            rows.append(
                [
                    "pass criteria",
                    f"{n_pass}/{len(crit)} met",
                    None,
                    "; ".join(f"{'✓' if c.get('passed') else '✗'} {c.get('name')}" for c in crit),
                    None,
                    _preset_label(str(res.get("preset", "?"))),
                    res.get("hardware") or "?",
                ]
            )
    if not rows:
        return "_No results yet: run the `cpu` preset to generate them._"
    return markdown_table(MAIN_COLUMNS, rows)


def named_table(table: Mapping[str, Any]) -> str:
    return markdown_table(table["columns"], table["rows"])


_BLOCK = re.compile(
    r"(?P<begin><!-- (?P<kind>results|catalogue):begin(?: (?P<name>[\w.-]+))? -->)\n.*?\n?(?P<end><!-- (?P=kind):end(?: (?P=name))? -->)",
    re.S,
)


def replace_blocks(text: str, render: Any) -> str:
    """Replace every marker block with ``render(kind, name)`` (None keeps the block as it is)."""

    def sub(m: re.Match[str]) -> str:
        body = render(m.group("kind"), m.group("name"))
        if body is None:
            return m.group(0)
        return f"{m.group('begin')}\n{body.strip()}\n{m.group('end')}"

    return _BLOCK.sub(sub, text)


def load_package_results(pkg_dir: str | Path) -> list[dict[str, Any]]:
    """All ``results/*.json`` of a package, cpu first, then full, then the rest alphabetically."""
    order = {"cpu.json": 0, "full.json": 1, "quick.json": 3}
    files = sorted(Path(pkg_dir, "results").glob("*.json"), key=lambda p: (order.get(p.name, 2), p.name))
    out = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        data.setdefault("_file", f.name)
        out.append(data)
    return out


def render_package_text(text: str, results: Sequence[Mapping[str, Any]]) -> str:
    """Re-render the marker blocks of a README from the package's results."""
    main = [r for r in results if r.get("_file") != "quick.json" and r.get("preset") != "quick"]

    def render(kind: str, name: str | None) -> str | None:
        if kind != "results":
            return None
        if name is None:
            return main_table(main)
        for res in results:
            if name in (res.get("tables") or {}):
                return named_table(res["tables"][name])
        return f"_No table `{name}` in the results files yet._"

    return replace_blocks(text, render)


def render_package(pkg_dir: str | Path, check: bool = False) -> list[str]:
    """Render the README of one package; returns the files that changed (or would change with ``check``)."""
    pkg_dir = Path(pkg_dir)
    results = load_package_results(pkg_dir)
    changed = []
    readme = pkg_dir / "README.md"
    old = readme.read_text(encoding="utf-8")
    new = render_package_text(old, results)
    if new != old:
        changed.append(str(readme))
        if not check:
            readme.write_text(new, encoding="utf-8")
    return changed


def package_info(pkg_dir: str | Path) -> dict[str, Any]:
    """Name, version and ``[tool.paperzoo]`` (paper, url, claim) of a package's pyproject."""
    data = tomllib.loads(Path(pkg_dir, "pyproject.toml").read_text(encoding="utf-8"))
    info = dict(data.get("tool", {}).get("paperzoo", {}))
    info["dist"] = data["project"]["name"]
    info["version"] = data["project"]["version"]
    return info


def reproduction_status(res: Mapping[str, Any] | None) -> str:
    if res is None:
        return "not run yet"
    crit = res.get("criteria") or []
    if not crit:
        return f"{res.get('preset')} preset run, no criteria"
    n_pass = sum(bool(c.get("passed")) for c in crit)
    word = "reproduced" if n_pass == len(crit) else "partly reproduced" if n_pass else "not reproduced"
    return f"{word} ({n_pass}/{len(crit)} criteria, {res.get('preset')} preset)"


def catalogue_table(
    repo_root: str | Path,
    results_override: Mapping[str, Mapping[str, Any]] | None = None,
    link: str = "packages/{dir}/",
) -> str:
    """The catalogue of every package under ``packages/``: paper, claim, version, reproduction status.

    Status comes from ``results/cpu.json`` unless ``results_override`` maps a dist name to another results dict
    (what ``nox -s reproduce`` does with its fresh quick runs).
    """
    rows = []
    for pyproject in sorted(Path(repo_root, "packages").glob("*/pyproject.toml")):
        pkg_dir = pyproject.parent
        if pkg_dir.name.startswith(("_", ".")):
            continue
        info = package_info(pkg_dir)
        if results_override is not None and info["dist"] in results_override:
            res: Mapping[str, Any] | None = results_override[info["dist"]]
        else:
            cpu = pkg_dir / "results" / "cpu.json"
            res = json.loads(cpu.read_text(encoding="utf-8")) if cpu.exists() else None
        paper = info.get("paper", "?")
        if info.get("url"):
            paper = f"[{paper}]({info['url']})"
        rows.append(
            [
                f"[`{info['dist']}`]({link.format(dir=pkg_dir.name)})",
                paper,
                info.get("claim", ""),
                info["version"],
                reproduction_status(res),
            ]
        )
    if not rows:
        return "_No packages yet._"
    return markdown_table(["package", "paper", "claim", "version", "reproduction"], rows)


def render_catalogue(
    repo_root: str | Path, check: bool = False, files: Sequence[str] = ("README.md", "docs/index.md")
) -> list[str]:
    """Render the catalogue blocks of the root README and the docs index."""
    changed = []
    for name in files:
        path = Path(repo_root, name)
        if not path.exists():
            continue
        old = path.read_text(encoding="utf-8")
        body = catalogue_table(
            repo_root, link="packages/{dir}.md" if name.startswith("docs/") else "packages/{dir}/"
        )
        new = replace_blocks(old, lambda kind, _name, b=body: b if kind == "catalogue" else None)
        if new != old:
            changed.append(str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m paperzoo_shared.results", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_render = sub.add_parser("render", help="render the README tables of packages from their results JSON")
    p_render.add_argument("pkg_dirs", nargs="+")
    p_render.add_argument("--check", action="store_true", help="change nothing; exit 1 on drift")
    p_cat = sub.add_parser("catalogue", help="render the catalogue of the root README and docs index")
    p_cat.add_argument("repo_root")
    p_cat.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "render":
        changed = [f for d in args.pkg_dirs for f in render_package(d, check=args.check)]
    else:
        changed = render_catalogue(args.repo_root, check=args.check)
    for f in changed:
        verb = (
            "differs from its results JSON (edited by hand or stale): re-render it"
            if args.check
            else "rendered"
        )
        print(f"{f}: {verb}", file=sys.stderr if args.check else sys.stdout)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
