"""Repository tooling (never published): README tables and the catalogue, rendered from results files.

README tables are never edited by hand. They sit between markers and are rendered from ``results/*.json``:

* ``<!-- results:begin -->`` ... ``<!-- results:end -->``: the main table, one row per entry of ``rows`` of every
  reproduce results file of the package except ``quick.json``, then its pass criteria;
* ``<!-- results:begin NAME -->`` ... ``<!-- results:end NAME -->``: the named table ``tables[NAME]`` of the
  first results file that has it (benchmarks write ``results/bench.json`` with such tables);
* ``<!-- figures:begin -->`` ... ``<!-- figures:end -->``: every figure the results files record;
* ``<!-- verdict:begin -->`` ... ``<!-- verdict:end -->``: the verdict of the committed cpu run in plain words
  (what held, what did not), from its criteria; it opens each README's results section;
* ``<!-- catalogue:begin -->`` ... ``<!-- catalogue:end -->`` in the root README and docs index: one row per
  package, from its ``pyproject.toml`` (``[tool.paperzoo]``) and ``results/cpu.json``.

Run with the shared package importable (``nox -s results`` / ``check_results`` do)::

    python .ci/tools/render.py render packages/anyloss [--check]
    python .ci/tools/render.py catalogue . [--check]
    python .ci/tools/render.py validate packages/*      (every results file follows the schema)
    python .ci/tools/render.py verdicts .               (the committed cpu verdict of every package)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from paperzoo_shared.results import SchemaError, markdown_table, validate

MAIN_COLUMNS = [
    "setting",
    "metric",
    "paper (source)",
    "ours (mean ± std, n seeds)",
    "baseline",
    "preset",
    "hardware",
]


def _preset_label(preset: str) -> str:
    return f"{preset} (CPU-scale)" if preset in ("quick", "cpu") else preset


def main_table(results: Sequence[Mapping[str, Any]]) -> str:
    """The main README table from results dicts (rows of every file, in order, then its criteria)."""
    rows = []
    for res in results:
        label, hw = _preset_label(str(res.get("preset", "?"))), res.get("hardware") or "?"
        for r in res.get("rows", []):
            rows.append(
                [
                    r.get("setting"),
                    r.get("metric"),
                    r.get("paper"),
                    r.get("ours"),
                    r.get("baseline"),
                    label,
                    hw,
                ]
            )
        crit = res.get("criteria") or []
        if crit:
            n_pass = sum(bool(c.get("passed")) for c in crit)
            marks = "; ".join(f"{'✓' if c.get('passed') else '✗'} {_name(c, crit)}" for c in crit)
            rows.append(["pass criteria", f"{n_pass}/{len(crit)} met", None, marks, None, label, hw])
    if not rows:
        return "_No results yet: run the `cpu` preset to generate them._"
    return markdown_table(MAIN_COLUMNS, rows)


def named_table(table: Mapping[str, Any]) -> str:
    return markdown_table(table["columns"], table["rows"])


#: where a package's committed files are served from: absolute, so a figure shows on PyPI, GitHub and the docs site
RAW = "https://raw.githubusercontent.com/paperzoo/paperzoo/main/packages/{dir}/results/{path}"


def figures_block(results: Sequence[Mapping[str, Any]], pkg_name: str = "") -> str:
    lines = []
    for res in results:
        for fig in res.get("figures") or []:
            caption = fig.get("caption") or fig["name"]
            url = RAW.format(dir=pkg_name, path=fig["path"])
            lines.append(f"![{caption}]({url})\n\n_{caption}_ ({res.get('preset')} preset)")
    return "\n\n".join(lines) if lines else "_No figures yet._"


_BLOCK = re.compile(
    r"(?P<begin><!-- (?P<kind>results|catalogue|figures|verdict):begin(?: (?P<name>[\w.-]+))? -->)\n.*?\n?"
    r"(?P<end><!-- (?P=kind):end(?: (?P=name))? -->)",
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
    """All ``results/*.json`` of a package, validated; cpu first, then full, then the rest alphabetically."""
    order = {"cpu.json": 0, "full.json": 1, "quick.json": 3}
    files = sorted(Path(pkg_dir, "results").glob("*.json"), key=lambda p: (order.get(p.name, 2), p.name))
    out = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        validate(data, where=str(f))
        for fig in data.get("figures") or []:
            if not (f.parent / fig["path"]).exists():
                raise SchemaError(f"{f}: figure {fig['path']!r} is recorded but missing")
        out.append({**data, "_file": f.name})
    return out


def verdict_text(res: Mapping[str, Any] | None) -> str:
    """The verdict in plain words: the failed criteria first, then those that held."""
    if res is None:
        return "**Verdict: not run yet** (no committed cpu results)."
    crit = res.get("criteria") or []
    status = reproduction_status(res)
    word = status.split(" (")[0]
    n_pass = sum(bool(c.get("passed")) for c in crit)
    lines = [
        f"**Verdict ({res.get('preset')} preset, CPU scale): {word}: {n_pass} of {len(crit)} criteria held.**"
    ]
    failed = [c for c in crit if not c.get("passed")]
    held = [c for c in crit if c.get("passed")]
    if failed:
        lines.append("Did not hold: " + "; ".join(_criterion(c, crit) for c in failed) + ".")
    if held:
        lines.append("Held: " + "; ".join(_name(c, crit) for c in held) + ".")
    return "\n\n".join(lines)


def _name(c: Mapping[str, Any], crit: Sequence[Mapping[str, Any]]) -> str:
    """A criterion's name, led by its study when another study has a criterion of the same name."""
    same = [o for o in crit if o.get("name") == c.get("name")]
    if c.get("study") and len({o.get("study") for o in same}) > 1:
        return f"{c['study']}: {c['name']}"
    return str(c["name"])


def _criterion(c: Mapping[str, Any], crit: Sequence[Mapping[str, Any]]) -> str:
    name = _name(c, crit)
    return f"{name} ({c['detail']})" if c.get("detail") else name


def render_package_text(text: str, results: Sequence[Mapping[str, Any]], pkg_name: str = "") -> str:
    """Re-render the marker blocks of a README from the package's results."""
    main = [
        r
        for r in results
        if r["kind"] == "reproduce" and r["_file"] != "quick.json" and r["preset"] != "quick"
    ]

    cpu = next((r for r in main if r["preset"] == "cpu"), None)

    def render(kind: str, name: str | None) -> str | None:
        if kind == "figures":
            return figures_block(main, pkg_name)
        if kind == "verdict":
            return verdict_text(cpu)
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
    readme = pkg_dir / "README.md"
    old = readme.read_text(encoding="utf-8")
    new = render_package_text(old, load_package_results(pkg_dir), pkg_dir.name)
    if new == old:
        return []
    if not check:
        readme.write_text(new, encoding="utf-8")
    return [str(readme)]


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


def packages(repo_root: str | Path) -> list[Path]:
    return [
        p.parent
        for p in sorted(Path(repo_root, "packages").glob("*/pyproject.toml"))
        if not p.parent.name.startswith(("_", "."))
    ]


def committed_cpu(pkg_dir: Path) -> dict[str, Any] | None:
    cpu = pkg_dir / "results" / "cpu.json"
    if not cpu.exists():
        return None
    data = json.loads(cpu.read_text(encoding="utf-8"))
    validate(data, where=str(cpu))
    return data


def catalogue_table(repo_root: str | Path, link: str = "packages/{dir}/") -> str:
    """The catalogue of every package under ``packages/``: paper, claim, version, committed cpu verdict."""
    rows = []
    for pkg_dir in packages(repo_root):
        info = package_info(pkg_dir)
        paper = info.get("paper", "?")
        if info.get("url"):
            paper = f"[{paper}]({info['url']})"
        rows.append(
            [
                f"[`{info['dist']}`]({link.format(dir=pkg_dir.name)})",
                paper,
                info.get("claim", ""),
                info["version"],
                reproduction_status(committed_cpu(pkg_dir)),
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


def verdicts(repo_root: str | Path, quick: Mapping[str, str] | None = None) -> str:
    """Per package: the committed cpu verdict, beside how its quick run went just now (when given)."""
    rows = []
    for pkg_dir in packages(repo_root):
        dist = package_info(pkg_dir)["dist"]
        row = [dist, reproduction_status(committed_cpu(pkg_dir))]
        if quick is not None:
            row.append(quick.get(dist, "not run"))
        rows.append(row)
    cols = ["package", "committed verdict (results/cpu.json)"] + (
        ["quick run (smoke test, no verdict)"] if quick else []
    )
    return markdown_table(cols, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="render.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_render = sub.add_parser("render", help="render the README tables of packages from their results JSON")
    p_render.add_argument("pkg_dirs", nargs="+")
    p_render.add_argument("--check", action="store_true", help="change nothing; exit 1 on drift")
    p_cat = sub.add_parser("catalogue", help="render the catalogue of the root README and docs index")
    p_cat.add_argument("repo_root")
    p_cat.add_argument("--check", action="store_true")
    p_val = sub.add_parser("validate", help="check every results file against the schema")
    p_val.add_argument("pkg_dirs", nargs="+")
    p_ver = sub.add_parser(
        "verdicts", help="the committed cpu verdicts (with --quick FILE: beside a quick run)"
    )
    p_ver.add_argument("repo_root")
    p_ver.add_argument("--quick", default=None, help="JSON {dist: 'quick run ok (N s)'}")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "validate":
            for d in args.pkg_dirs:
                n = len(load_package_results(d))
                print(f"{d}: {n} results file(s) follow the schema")
            return 0
        if args.cmd == "verdicts":
            quick = json.loads(Path(args.quick).read_text()) if args.quick else None
            print(verdicts(args.repo_root, quick))
            return 0
        if args.cmd == "render":
            changed = [f for d in args.pkg_dirs for f in render_package(d, check=args.check)]
        else:
            changed = render_catalogue(args.repo_root, check=args.check)
    except SchemaError as err:
        print(f"schema error: {err}", file=sys.stderr)
        return 1
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
