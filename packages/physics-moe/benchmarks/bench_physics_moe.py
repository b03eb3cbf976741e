"""Speed of the constraint layer, printed as ratios and written to results/bench.json.

1. The implicit (IFT) backward against differentiating through the unrolled LM iterations, the baseline the
   paper's implicit layer replaces (same forward, same problem: B = 4, N = 16, m = 1024, Fisher-KPP).
2. PI-HC-MoE (4 experts, m / 4 each, batched) against PI-HC (one global solve) at equal total m, forward +
   backward, on one CPU thread (the paper's GPU-parallel speed-up is not expected here).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import physics_moe
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from physics_moe import FisherKPP1D, HardConstraint, MoEHardConstraint, fisher_kpp_dataset


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dev = args.device
    d = fisher_kpp_dataset(4, seed=0)
    t, x, u0, bc = (d[k].to(dev) for k in ("t", "x", "u0", "bc"))
    torch.manual_seed(0)
    basis = (0.5 * torch.rand(4, 32, 64, 16, dtype=torch.float64, device=dev)).requires_grad_()
    kw = dict(max_iter=20, rtol=1e-6, atol=1e-6)

    def step(layer):
        def fn():
            out = layer(basis, t, x, u0, bc, generator=torch.Generator().manual_seed(0))
            (g,) = torch.autograd.grad(out.u.square().sum(), basis)
            return g

        return fn

    comps = []
    c1 = Comparison(task="forward + backward, PI-HC, B=4, N=16, m=1024", reference="unrolled LM backward")
    c1.add(
        "unrolled LM backward",
        time_fn(
            step(HardConstraint(FisherKPP1D(), n_samples=1024, backward="unroll", **kw)), repeat=args.repeat
        ),
    )
    c1.add(
        "implicit (IFT) backward",
        time_fn(step(HardConstraint(FisherKPP1D(), n_samples=1024, **kw)), repeat=args.repeat),
    )
    comps.append(c1)
    c2 = Comparison(
        task="forward + backward at equal total m = 1024 (1 CPU thread)", reference="PI-HC (global)"
    )
    c2.add(
        "PI-HC (global)",
        time_fn(step(HardConstraint(FisherKPP1D(), n_samples=1024, **kw)), repeat=args.repeat),
    )
    c2.add(
        "PI-HC-MoE (4 experts)",
        time_fn(step(MoEHardConstraint(FisherKPP1D(), n_samples=256, **kw)), repeat=args.repeat),
    )
    comps.append(c2)
    print(ratio_table(comps))
    write_bench(args.out, comps, device=dev, package="physics-moe", version=physics_moe.__version__)


if __name__ == "__main__":
    main()
