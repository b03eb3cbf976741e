"""``pde-data``: generate, describe and list datasets from the command line.

Examples::

    pde-data list
    pde-data generate darcy_2d --n 1000 --res 64 --out darcy64.npz
    pde-data generate fno_burgers --n 16 --set dt=0.002 --out burgers.npz
    pde-data describe darcy64.npz
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def progress_bar(name: str, enabled: bool) -> Callable[..., Any] | None:
    """A tqdm bar for ``generate(progress=...)`` when tqdm is installed (it is optional: the library needs none)."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return functools.partial(tqdm, desc=name, leave=False, disable=None)  # disable=None: only on a terminal


def main(argv: Sequence[str] | None = None) -> int:
    from pde_data import DATASETS, PRESETS, PDEDataset, generate, make_config
    from pde_data.cache import cache_dir

    parser = argparse.ArgumentParser(
        prog="pde-data", description="Offline, verified PDE / operator datasets."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="list datasets, presets and the cache folder")
    gen = sub.add_parser("generate", help="generate a dataset or preset")
    gen.add_argument("name", help="dataset or preset name (see `pde-data list`)")
    gen.add_argument("--n", type=int, default=None, help="number of samples (default: the preset's)")
    gen.add_argument("--res", type=int, default=None, help="grid size (the config's `size`; `m` for ODEs)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--start", type=int, default=0, help="index of the first sample")
    gen.add_argument("--n-train", type=int, default=None)
    gen.add_argument("--n-jobs", type=int, default=1)
    gen.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    gen.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field"
    )
    gen.add_argument("--out", default=None, help="write an .npz (+ .json metadata) here")
    gen.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    gen.add_argument(
        "--no-progress", action="store_true", help="no progress bar (shown when tqdm is installed)"
    )
    desc = sub.add_parser("describe", help="describe a saved .npz dataset")
    desc.add_argument("path")
    args = parser.parse_args(argv)

    if args.cmd == "list":
        print("datasets:")
        for name, spec in sorted(DATASETS.items()):
            fields = ", ".join(f"{f.name}={f.default!r}" for f in dataclasses.fields(spec.config))
            print(f"  {name}: {fields}")
        print("presets:")
        for name, p in sorted(PRESETS.items()):
            print(f"  {name} -> {p.dataset} {p.overrides} n={p.n}: {p.source}")
        print(f"cache: {cache_dir()} (override with PDE_DATA_CACHE)")
        return 0
    if args.cmd == "describe":
        print(PDEDataset.load(args.path).describe())
        return 0

    overrides: dict[str, Any] = {}
    for item in args.set:
        if "=" not in item:
            parser.error(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key] = _parse_value(value)
    if args.res is not None:
        cfg = make_config(args.name)
        key = "size" if hasattr(cfg, "size") else "m"
        overrides[key] = args.res
    try:
        ds = generate(
            args.name,
            args.n,
            seed=args.seed,
            start=args.start,
            n_train=args.n_train,
            n_jobs=args.n_jobs,
            cache=not args.no_cache,
            dtype=args.dtype,
            progress=progress_bar(args.name, not args.no_progress),
            **overrides,
        )
    except (TypeError, ValueError) as err:
        print(f"pde-data: error: {err}", file=sys.stderr)
        return 2
    print(ds.describe())
    if args.out:
        print(f"wrote {ds.save(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
