"""The common command line of every ``<dist>-reproduce``.

``reproduce_cli`` parses ``--preset quick|cpu|full --seeds ... --device auto|cpu|cuda --out PATH
--no-progress``, prints the configuration first, seeds nothing itself (the package's run function seeds each
run), times the run, fills in the environment and writes the results JSON, then prints the table it would
render into the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from paperzoo_shared.progress import set_progress
from paperzoo_shared.results import ResultsFile, main_table, named_table
from paperzoo_shared.seed import resolve_device

PRESET_HELP = {
    "quick": "seconds; what CI runs",
    "cpu": "at most ~5 minutes on 2 CPU cores; the committed results",
    "full": "the GPU-scale setting",
}


def config_dict(config: Any) -> dict[str, Any]:
    """A preset's configuration as a plain dict (dataclass or mapping)."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return dataclasses.asdict(config)
    if isinstance(config, Mapping):
        return dict(config)
    raise TypeError(f"a preset must be a dataclass instance or a mapping, got {type(config).__name__}")


def reproduce_cli(
    presets: Mapping[str, Any],
    run_fn: Callable[..., ResultsFile],
    *,
    prog: str,
    argv: Sequence[str] | None = None,
    default_seeds: Sequence[int] = (0, 1, 2),
    description: str | None = None,
) -> ResultsFile | None:
    """Parse arguments, run ``run_fn(config, seeds=..., device=...)`` and write its results.

    ``presets`` maps ``quick``/``cpu``/``full`` to configuration objects (dataclasses); a configuration with a
    ``seeds`` attribute supplies the default seeds of that preset. ``run_fn`` returns a :class:`ResultsFile`
    (without environment fields; they are filled in here). Returns the results, or None for ``--help``-like
    exits handled by argparse.
    """
    missing = {"quick", "cpu", "full"} - set(presets)
    if missing:
        raise ValueError(f"presets must define quick, cpu and full; missing {sorted(missing)}")
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--preset",
        choices=list(presets),
        default="quick",
        help="; ".join(f"{k}: {PRESET_HELP.get(k, '')}" for k in presets) + " (default: quick)",
    )
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=None, help="seeds to run (default: the preset's)"
    )
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N (default: auto)")
    parser.add_argument("--out", default=None, help="results JSON path (default: results/<preset>.json)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    set_progress(not args.no_progress)
    config = presets[args.preset]
    cfg = config_dict(config)
    seeds = list(args.seeds if args.seeds is not None else cfg.get("seeds", default_seeds))
    device = resolve_device(args.device)
    out = Path(args.out) if args.out else Path("results") / f"{args.preset}.json"

    print(f"{prog} --preset {args.preset} --seeds {' '.join(map(str, seeds))} --device {device}", flush=True)
    print(json.dumps(cfg, indent=2, default=str), flush=True)
    start = time.perf_counter()
    results = run_fn(config, seeds=seeds, device=device)
    if not isinstance(results, ResultsFile):
        raise TypeError(f"{prog}: the run function must return a ResultsFile, got {type(results).__name__}")
    results.preset = args.preset
    results.seeds = seeds
    results.config = cfg
    results.finalize(wall_time_s=time.perf_counter() - start, device=device)
    path = results.write(out)
    data = results.to_dict()
    print(main_table([data]), flush=True)
    for name, table in data.get("tables", {}).items():
        print(f"\n{name}:\n{named_table(table)}", flush=True)
    status = {True: "PASSED", False: "FAILED", None: "no criteria"}[results.passed]
    print(f"\npass criteria: {status}; wall time {results.wall_time_s:.1f} s; wrote {path}", flush=True)
    return results
