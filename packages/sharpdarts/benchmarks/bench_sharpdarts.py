"""Speed of sharpDARTS' parts against the baselines they replace, printed as ratios and written to
results/bench.json (one torch thread on the CPU):

* ``CosinePowerAnnealingLR.step()`` vs torch's ``CosineAnnealingLR.step()`` (the spec: negligible overhead, the
  schedule is precomputed);
* one search step (forward + backward, w and α) of a DARTS-space supernet with SharpSepConv ops
  (SharpSepConvDARTS) and of the 9-op SharpDARTS space, against DARTS' own ops at equal C (spec: within 1.3x);
* Max-W against scalar weighting on the same supernet.

No PyPI library implements these (see the README), so the references are torch's scheduler and darts-core's DARTS.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import darts_core as dc
import sharpdarts
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads


def scheduler_comparison() -> Comparison:
    def make(kind: str):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        if kind == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(opt, 10**7, eta_min=1e-4)
        return sharpdarts.CosinePowerAnnealingLR(opt, 10**6, min_lr=1e-4, exponent_order=2, warmup_epochs=5)

    comp = Comparison(task="scheduler.step() x 1000", reference="torch CosineAnnealingLR")
    for name, kind in (("torch CosineAnnealingLR", "cosine"), ("CosinePowerAnnealingLR", "cpa")):
        sched = make(kind)

        def steps(s=sched) -> None:
            for _ in range(1000):
                s.step()

        comp.add(name, time_fn(steps, warmup=1, repeat=7))
    return comp


def search_step_comparison(device: str, C: int = 8, batch: int = 32, size: int = 16) -> Comparison:
    x, y = torch.randn(batch, 3, size, size, device=device), torch.randint(0, 10, (batch,), device=device)
    comp = Comparison(
        task=f"search step (fwd + bwd), DARTS cell, C={C}, 5 cells, batch {batch}, {size}x{size}",
        reference="DARTS ops, scalar",
    )
    arms = [
        ("DARTS ops, scalar", dc.DARTS_SPACE, sharpdarts.scalar_weighting),
        ("SharpSepConvDARTS ops, scalar", sharpdarts.sharpsepconv_darts_space(), sharpdarts.scalar_weighting),
        ("SharpDARTS space (9 ops), scalar", sharpdarts.sharp_darts_space(), sharpdarts.scalar_weighting),
        ("DARTS ops, Max-W", dc.DARTS_SPACE, sharpdarts.MaxWWeighting()),
    ]
    for name, space, weighting in arms:
        torch.manual_seed(0)
        net = dc.Supernet(space, C=C, layers=5, weighting=weighting).to(device)

        def step(n=net) -> None:
            n.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(n(x), y).backward()

        comp.add(name, time_fn(step, warmup=2, repeat=7, device=device), ops=len(space.primitives))
    return comp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(1 if args.device == "cpu" else None):
        comps = [scheduler_comparison(), search_step_comparison(args.device)]
    print(ratio_table(comps))
    write_bench(args.out, comps, device=args.device, package="sharpdarts", version=sharpdarts.__version__)


if __name__ == "__main__":
    main()
