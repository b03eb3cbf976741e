"""Speed of one RARTS iteration against DARTS (second order: the baseline the paper replaces; and first order),
on the NB-digits-3e5o supernet (and, on a GPU, the DARTS space at search scale), printed as ratios and written to results/bench.json, with the number of backward passes per iteration and whether
any of them builds a graph of a gradient (a second derivative).

    python benchmarks/bench_rarts.py [--device cuda] [--out results/bench.json]
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from pathlib import Path

import torch

import darts_core as dc
import rarts
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from rarts.reproduce.cost import Config, count_passes, darts_iteration, rarts_iteration

IMPLS = (
    ("DARTS 2nd order (finite difference)", "darts", 2),
    ("DARTS 1st order", "darts", 1),
    ("RARTS, exact α gradient (Gauss–Seidel)", "rarts", "exact"),
    ("RARTS, reused α gradient (two passes)", "rarts", "reuse"),
)


def bench_space(
    task: str,
    make: Callable[[], torch.nn.Module],
    shape: tuple[int, ...],
    batch: int,
    device: str,
    repeat: int = 10,
) -> Comparison:
    comp = Comparison(task=task, reference=IMPLS[0][0])
    cfg = Config(batch_size=batch)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2 * batch, *shape, generator=g).to(device)
    t = torch.randint(0, 10, (2 * batch,), generator=g).to(device)
    tb, vb = (x[:batch], t[:batch]), (x[batch:], t[batch:])
    for name, kind, arg in IMPLS:
        torch.manual_seed(0)
        model = make().to(device)
        it = (
            darts_iteration(int(arg), model, cfg)
            if kind == "darts"
            else rarts_iteration(str(arg), model, cfg)
        )
        call = functools.partial(it, tb, vb)
        passes, second = count_passes(call)
        timing = time_fn(call, warmup=min(2, repeat), repeat=repeat, device=device)
        comp.add(name, timing, backward_passes=passes, second_derivative="yes" if second else "no")
    return comp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    comps = [
        bench_space(
            "search iteration, NB-digits-3e5o supernet C=8, batch 100",
            lambda: dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1),
            (1, 8, 8),
            100,
            args.device,
        ),
    ]
    if args.device != "cpu":  # seconds per iteration on a CPU: the DARTS space is timed on a GPU only
        comps.append(
            bench_space(
                "search iteration, DARTS space C=16, 8 cells, 32x32, batch 64",
                lambda: dc.Supernet(dc.DARTS_SPACE, C=16, layers=8, in_channels=3),
                (3, 32, 32),
                64,
                args.device,
                repeat=3,
            )
        )
    print(ratio_table(comps))
    write_bench(args.out, comps, device=args.device, package="rarts", version=rarts.__version__)


if __name__ == "__main__":
    main()
