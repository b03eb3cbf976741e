"""The runner of every ``<dist>-reproduce``: it owns the run, a study only computes and reports.

A package's ``reproduce/__init__.py`` declares its studies and presets::

    from paperzoo_shared.runner import Preset, Study, run_cli
    from mypkg.reproduce import digits, xor

    STUDIES = {"xor": Study(xor.Config, xor.run, "XOR in one layer (Fig. 2)"), "digits": ...}
    PRESETS = {
        "quick": Preset(seeds=(0, 1), studies={"xor": xor.Config(steps=20), "digits": digits.Config(epochs=1)}),
        "cpu": Preset(seeds=(0, 1, 2, 3, 4), studies={"xor": xor.Config(), "digits": digits.Config()}),
        "full": ...,
    }

    def main(argv=None):
        return run_cli("mypkg", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)

and each study module has a frozen config dataclass and ``run(cfg, ctx)``, which adds per-seed values, rows,
criteria, tables and figures through ``ctx`` (a :class:`Context`). The runner parses
``--preset --seeds --device --threads --out --set STUDY.FIELD=VALUE --only STUDY --no-progress --version``,
prints the configuration, sets (and afterwards restores) the thread count, times the run, fills in the
environment, and writes the results file atomically before it prints the table.

Seeds: every study gets the one seeds list. A study that needs fewer takes a prefix, ``ctx.seeds_prefix(n)``,
and its config documents ``n`` (``n_seeds``).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from paperzoo_shared.progress import progress, set_progress
from paperzoo_shared.results import Results, format_value, markdown_table
from paperzoo_shared.seed import resolve_device

PRESET_HELP = {
    "quick": "seconds; what CI runs",
    "cpu": "about 10 minutes on 2 CPU cores; the committed results",
    "full": "the GPU-scale setting",
}


@dataclasses.dataclass(frozen=True)
class Study:
    """One study: its config class, its ``run(cfg, ctx)``, a line saying what it shows, and optionally
    ``draw(ctx)``, which draws its figures from ``ctx.results`` alone (so ``--redraw`` can redraw them from a
    committed results file without running anything)."""

    config: type
    run: Callable[[Any, Context], None]
    description: str = ""
    draw: Callable[[Context], None] | None = None
    requires: tuple[str, ...] = ()  # importable modules the study needs, checked before anything runs


@dataclasses.dataclass(frozen=True)
class Preset:
    """The seeds and the config of each study in a preset (a study missing here is not run), and the torch
    thread count its committed numbers were made with (None: torch's default; ``--threads`` overrides it)."""

    seeds: tuple[int, ...]
    studies: Mapping[str, Any]
    threads: int | None = None


class Context:
    """What a study gets from the runner: seeds, device, progress, and the results it adds to.

    The ``add_*`` helpers tag each entry with the study's name; ``summary``/``baseline`` names are prefixed
    with ``"<study>."`` so that studies never overwrite each other.
    """

    def __init__(self, results: Results, *, study: str, seeds: Sequence[int], device: Any, out_dir: Path):
        self.results = results
        self.study = study
        self.seeds: tuple[int, ...] = tuple(int(s) for s in seeds)
        self.device = device
        self.out_dir = out_dir
        self.preset = results.preset

    def seeds_prefix(self, n: int | None) -> tuple[int, ...]:
        """The first ``n`` seeds (all of them for None); a study that needs fewer seeds documents ``n``."""
        if n is None:
            return self.seeds
        if n < 1:
            raise ValueError(f"{self.study}: n_seeds must be >= 1 or None, got {n}")
        return self.seeds[:n]

    def progress(self, iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("desc", self.study)
        return progress(iterable, **kwargs)

    def key(self, name: str) -> str:
        return f"{self.study}.{name}" if self.study else name

    def add_seed(self, seed: int, metrics: Mapping[str, Any]) -> None:
        self.results.add_seed(seed, metrics, study=self.study)

    def set_summary(self, name: str, value: Any) -> None:
        self.results.summary[self.key(name)] = value

    def set_baseline(self, name: str, value: Any) -> None:
        self.results.baseline[self.key(name)] = value

    def set_paper(self, name: str, text: str) -> None:
        self.results.paper[self.key(name)] = text

    def add_row(
        self, setting: str, metric: str, ours: Any, *, paper: str | None = None, baseline: Any = None
    ):
        self.results.add_row(setting, metric, ours, paper=paper, baseline=baseline)

    def add_criterion(self, name: str, passed: bool, detail: str = "") -> bool:
        return self.results.add_criterion(name, passed, detail, study=self.study)

    def add_table(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.results.add_table(name, columns, rows)

    def add_note(self, text: str) -> None:
        self.results.notes.append(text)

    def set_data(self, name: str, value: Any) -> None:
        """Raw data a figure is drawn from (curves, grids): ``results.data["<study>.<name>"]``."""
        self.results.data[self.key(name)] = value

    def get_data(self, name: str) -> Any:
        return self.results.data[self.key(name)]

    def figure_path(self, name: str) -> Path:
        """Where figure ``name`` goes: ``<preset>_<study>_<name>.png`` beside the results file."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self.out_dir / f"{self.preset}_{self.study}_{name}.png"

    def save_figure(self, fig: Any, name: str, caption: str) -> Path:
        """Save a matplotlib figure (atomically), close it, and record it in the results."""
        import matplotlib.pyplot as plt

        path = self.figure_path(name)
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(fig)
        tmp.replace(path)
        self.results.figures = [f for f in self.results.figures if f["path"] != path.name]
        self.results.add_figure(f"{self.study}.{name}", path.name, caption)
        return path


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend (figures are files, never windows)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ------------------------------------------------------------------------------------------ overrides


def config_dict(config: Any) -> dict[str, Any]:
    """A config as a plain dict (dataclass or mapping)."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    if isinstance(config, Mapping):
        return dict(config)
    raise TypeError(f"a study config must be a dataclass instance, got {type(config).__name__}")


def parse_override(text: str) -> tuple[str, str, Any]:
    """``"study.field=value"`` -> ``(study, field, value)``; the value is a Python literal or a bare string."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ValueError(f"--set expects STUDY.FIELD=VALUE (e.g. digits.epochs=5), got {text!r}")
    lhs, raw = text.split("=", 1)
    study, field = lhs.split(".", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return study.strip(), field.strip(), value


def _coerce(current: Any, value: Any, where: str) -> Any:
    if current is None or value is None:
        return value
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(current, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    elif isinstance(current, tuple) and isinstance(value, (list, tuple)):
        return tuple(value)
    elif isinstance(current, tuple) and not isinstance(value, (list, tuple, str, dict)):
        return (value,)
    elif isinstance(value, type(current)) and not (isinstance(value, bool) and not isinstance(current, bool)):
        return value
    raise ValueError(f"--set {where}: expected a {type(current).__name__} like {current!r}, got {value!r}")


def apply_overrides(preset: Preset, overrides: Sequence[str], studies: Mapping[str, Study]) -> Preset:
    """A copy of ``preset`` with ``--set`` overrides applied (checked against the study's fields)."""
    configs = dict(preset.studies)
    for text in overrides:
        study, field, value = parse_override(text)
        if study not in studies:
            raise ValueError(f"--set {text!r}: unknown study {study!r}; studies: {sorted(studies)}")
        if study not in configs:
            raise ValueError(f"--set {text!r}: study {study!r} is not part of this preset")
        cfg = configs[study]
        names = {f.name for f in dataclasses.fields(cfg)}
        if field not in names:
            raise ValueError(f"--set {text!r}: {study} has no field {field!r}; fields: {sorted(names)}")
        value = _coerce(getattr(cfg, field), value, f"{study}.{field}")
        configs[study] = dataclasses.replace(cfg, **{field: value})  # __post_init__ validates again
    return dataclasses.replace(preset, studies=configs)


# ---------------------------------------------------------------------------------------------- threads


class threads:
    """Context manager: ``torch.set_num_threads(n)`` inside, the previous count restored afterwards."""

    def __init__(self, n: int | None) -> None:
        if n is not None and n < 1:
            raise ValueError(f"--threads must be >= 1, got {n}")
        self.n = n
        self.old: int | None = None

    def __enter__(self) -> threads:
        if self.n is not None:
            import torch

            self.old = torch.get_num_threads()
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.old is not None:
            import torch

            torch.set_num_threads(self.old)


# ------------------------------------------------------------------------------------------------ run


def run_preset(
    dist: str,
    version: str,
    studies: Mapping[str, Study],
    preset: Preset,
    *,
    preset_name: str,
    seeds: Sequence[int] | None = None,
    device: Any = "auto",
    out: str | Path | None = None,
    only: Sequence[str] | None = None,
    n_threads: int | None = None,
    module_file: str | Path | None = None,
    write: bool = True,
) -> Results:
    """Run the studies of ``preset`` and (with ``write``) write ``out`` (default ``results/<preset>.json``)."""
    seeds = tuple(int(s) for s in (seeds if seeds is not None else preset.seeds))
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    dev = resolve_device(device)
    chosen = [s for s in preset.studies if only is None or s in only]
    unknown = [s for s in (only or ()) if s not in preset.studies]
    if unknown:
        raise ValueError(f"--only {unknown}: not studies of this preset; studies: {list(preset.studies)}")
    missing = [s for s in preset.studies if s not in studies]
    if missing:
        raise ValueError(f"preset names studies {missing} that are not in STUDIES")
    check_requirements(dist, {name: studies[name] for name in chosen})
    out_path = Path(out) if out else Path("results") / f"{preset_name}.json"
    res = Results(
        package=dist,
        version=version,
        kind="reproduce",
        preset=preset_name,
        config={name: config_dict(preset.studies[name]) for name in chosen},
        seeds=list(seeds),
    )
    start = time.perf_counter()
    used_threads = None
    with threads(n_threads):
        try:
            import torch

            used_threads = torch.get_num_threads()
        except ImportError:  # pragma: no cover - every paper package has torch
            pass
        for name in progress(chosen, desc="studies", leave=True):
            t0 = time.perf_counter()
            ctx = Context(res, study=name, seeds=seeds, device=dev, out_dir=out_path.parent)
            studies[name].run(preset.studies[name], ctx)
            print(f"[{dist}-reproduce] study {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    res.finalize(wall_time_s=time.perf_counter() - start, device=dev, module_file=module_file)
    res.versions["torch_threads"] = used_threads  # numbers can depend on it (float sums)
    try:
        draw_figures(res, studies, out_path.parent)
    except Exception as err:  # a figure never costs the numbers
        print(
            f"drawing the figures failed ({type(err).__name__}: {err}); the results are kept", file=sys.stderr
        )
    if write:
        print(summary_text(res), flush=True)
        write_or_fallback(res, out_path)
    return res


def check_requirements(dist: str, studies: Mapping[str, Study]) -> None:
    """Fail before the run, not after an hour, when a study's optional dependency is missing."""
    missing = {
        name: [m for m in s.requires if importlib.util.find_spec(m) is None] for name, s in studies.items()
    }
    missing = {k: v for k, v in missing.items() if v}
    if missing:
        listed = "; ".join(f"study {k} needs {', '.join(v)}" for k, v in missing.items())
        raise RuntimeError(f"{listed}: pip install '{dist}[reproduce]' (or skip it with --only)")


def write_or_fallback(res: Results, out: Path) -> Path:
    """Write the results to ``out``; if that fails, to a named temporary file (a finished run is never lost)."""
    try:
        return res.write(out)
    except OSError as err:
        fd, tmp = tempfile.mkstemp(prefix=f"{res.package}-{res.preset}-", suffix=".json")
        os.close(fd)
        path = res.write(tmp)
        print(f"could not write {out} ({err}); the results are in {path}", file=sys.stderr, flush=True)
        return path


def draw_figures(res: Results, studies: Mapping[str, Study], out_dir: Path) -> None:
    """Call every study's ``draw`` on the results (studies without one draw nothing)."""
    for name in res.config:
        study = studies.get(name)
        if study is not None and study.draw is not None:
            study.draw(Context(res, study=name, seeds=res.seeds, device="cpu", out_dir=out_dir))


def redraw(path: str | Path, studies: Mapping[str, Study]) -> Results:
    """Redraw the figures of a committed results file from its data alone, and record them in it."""
    path = Path(path)
    res = Results.read(path)
    draw_figures(res, studies, path.parent)
    res.write(path)
    return res


def summary_text(res: Results) -> str:
    """The main table and the criteria of a run, as printed after it."""
    rows = [[r["setting"], r["metric"], r.get("paper"), r["ours"], r.get("baseline")] for r in res.rows]
    parts = []
    if rows:
        parts.append(markdown_table(["setting", "metric", "paper", "ours", "baseline"], rows))
    for name, table in res.tables.items():
        parts.append(f"{name}:\n{markdown_table(table['columns'], table['rows'])}")
    for c in res.criteria:
        parts.append(
            f"{'PASS' if c['passed'] else 'FAIL'} [{c.get('study', '')}] {c['name']}: {c.get('detail', '')}"
        )
    return "\n\n".join(parts)


def build_parser(dist: str, version: str, studies: Mapping[str, Study], presets: Mapping[str, Preset]):
    lines = [f"  {name}: {s.description}" for name, s in studies.items()]
    parser = argparse.ArgumentParser(
        prog=f"{dist}-reproduce",
        description=f"Reproduce the paper behind {dist} at small scale. Studies:\n" + "\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--preset",
        choices=list(presets),
        default="quick",
        help="; ".join(f"{k}: {PRESET_HELP.get(k, '')}" for k in presets) + " (default: quick)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default: the preset's)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N (default: auto)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads during the run (default: the preset's; restored)",
    )
    parser.add_argument("--out", default=None, help="results JSON (default: results/<preset>.json)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="STUDY.FIELD=VALUE",
        help="override one config field, e.g. --set digits.epochs=5 (repeatable)",
    )
    parser.add_argument("--only", nargs="+", default=None, metavar="STUDY", help="run only these studies")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--redraw", default=None, metavar="RESULTS_JSON", help="only redraw the figures of a results file"
    )
    parser.add_argument("--version", action="version", version=f"{dist} {version}")
    return parser


def run_cli(
    dist: str,
    version: str,
    studies: Mapping[str, Study],
    presets: Mapping[str, Preset],
    *,
    argv: Sequence[str] | None = None,
    module_file: str | Path | None = None,
) -> int:
    """The command line of ``<dist>-reproduce``; returns the exit status (0 when the run finished)."""
    missing = {"quick", "cpu", "full"} - set(presets)
    if missing:
        raise ValueError(f"presets must define quick, cpu and full; missing {sorted(missing)}")
    parser = build_parser(dist, version, studies, presets)
    args = parser.parse_args(argv)
    set_progress(not args.no_progress)
    if args.redraw:
        res = redraw(args.redraw, studies)
        print(f"redrew {len(res.figures)} figure(s) of {args.redraw}")
        return 0
    try:
        preset = apply_overrides(presets[args.preset], args.overrides, studies)
    except (ValueError, TypeError) as err:
        parser.error(str(err))
    seeds = args.seeds if args.seeds is not None else list(preset.seeds)
    out = Path(args.out) if args.out else Path("results") / f"{args.preset}.json"
    head = f"{dist}-reproduce {version} --preset {args.preset} --seeds {' '.join(map(str, seeds))}"
    print(f"{head} --device {args.device} --out {out}", flush=True)
    print(
        json.dumps({k: config_dict(v) for k, v in preset.studies.items()}, indent=2, default=str), flush=True
    )
    res = run_preset(
        dist,
        version,
        studies,
        preset,
        preset_name=args.preset,
        seeds=seeds,
        device=args.device,
        out=out,
        only=args.only,
        n_threads=args.threads if args.threads is not None else preset.threads,
        module_file=module_file,
    )
    status = {True: "all met", False: "NOT all met", None: "none"}[res.passed]
    n = len(res.criteria)
    met = sum(c["passed"] for c in res.criteria)
    print(f"\npass criteria: {status} ({met}/{n}); wall time {format_value(res.wall_time_s)} s; wrote {out}")
    if args.preset == "quick":
        print(
            "(quick preset: a smoke run at toy scale, not a reproduction verdict; the cpu preset's criteria are)"
        )
    return 0
