"""Speed of __pkg__ against its baseline, printed as ratios and written to results/bench.json."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import __pkg__
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    x = torch.randn(1000, 100, device=args.device)
    layer = __pkg__.Scale(factor=2.0).to(args.device)
    comp = Comparison(task="scale 1000x100", reference="x * 2")
    comp.add("x * 2", time_fn(lambda: x * 2, device=args.device))
    comp.add("__pkg__.Scale", time_fn(lambda: layer(x), device=args.device))
    print(ratio_table([comp]))
    write_bench(args.out, [comp], device=args.device, package="__dist__", version=__pkg__.__version__)


if __name__ == "__main__":
    main()
