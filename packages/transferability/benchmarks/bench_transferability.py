"""Protocol overhead against the training it wraps, printed as ratios and written to results/bench.json.

The reference is one digits MLP trained by a plain hand-written torch loop (what a user would write without
this package); beside it: one AnB+ cell through ``TransferExperiment`` (copy, re-init, freeze, then the same
training) and the surgery alone (copy + re-init + freeze). The spec's target: surgery < 5 % of training time.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

import transferability as tf
from paperzoo_shared.bench import Comparison, Timing, ratio_table, time_fn, write_bench
from paperzoo_shared.data import load_sklearn


def cpu_time_fn(fn: Callable[[], Any], warmup: int = 1, repeat: int = 5) -> Timing:
    """Like ``paperzoo_shared.bench.time_fn`` but in process CPU seconds: on a shared, oversubscribed machine wall
    time measures the other tenants; CPU time of one torch thread measures the work (CPU only)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return Timing(median=statistics.median(times), min=min(times), max=max(times), repeat=repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = load_sklearn("digits", standardize=True)
    train = functools.partial(tf.default_train, epochs=args.epochs)
    exp = tf.TransferExperiment(
        tf.digits_mlp, X, y, n_values=(2,), treatments=("AnB+",), train_fn=train, device=args.device
    )
    exp.train_base(0, 0, "A", False)
    Xb, yb, _, _ = exp._task(0, "B", False)
    Xd, yd = Xb.to(args.device), yb.to(args.device)

    def plain() -> None:
        model = tf.digits_mlp(5, 0).to(args.device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        gen = torch.Generator().manual_seed(0)
        for _ in range(args.epochs):
            order = torch.randperm(len(Xd), generator=gen).to(args.device)
            for i in range(0, len(Xd), 64):
                idx = order[i : i + 64]
                loss = F.cross_entropy(model(Xd[idx]), yd[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()

    def cell() -> None:
        exp._seen.clear()
        model = exp.build(0, 0, "A", "B", "AnB+", 2)
        train(model, Xb, yb, seed=0, params=exp.param_groups(model, tf.Treatment.TRANSFER_FT, 2))

    def surgery() -> None:
        exp._seen.clear()
        exp.build(0, 0, "A", "B", "AnB", 2)

    on_cpu = args.device == "cpu"
    clock = "CPU seconds, 1 thread" if on_cpu else "wall time, synchronised"
    comp = Comparison(
        task=f"digits MLP, {args.epochs} epochs, 5-class half ({clock})",
        reference="plain torch training loop",
    )
    for name, fn in (
        ("plain torch training loop", plain),
        ("TransferExperiment AnB+ cell", cell),
        ("surgery only (copy+reinit+freeze)", surgery),
    ):
        timing = cpu_time_fn(fn, repeat=args.repeat) if on_cpu else time_fn(fn, warmup=1, repeat=args.repeat)
        comp.add(name, timing)
    print(ratio_table([comp]))
    write_bench(args.out, [comp], device=args.device, package="transferability", version=tf.__version__)


if __name__ == "__main__":
    main()
