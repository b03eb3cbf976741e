"""Speed of wide_deep_ntk against what it replaces, as ratios, written to results/bench.json.

1. Deep kernels (NNGP + NTK, erf, L = 100, 1000 x 2000): our torch recursion vs a numpy loop written after the
   official ``models.py`` logic (clip, dual, derivative per layer).
2. The analytic NTK vs the empirical NTK of a finite network it stands for (ReLU, depth 3, width 4096, 200
   points; the layer-wise exact empirical NTK, the cheapest way to get it).
Run: ``python benchmarks/bench_wide_deep_ntk.py`` (one thread; a minute or two).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch

import wide_deep_ntk as w
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def official_style_numpy(X1: np.ndarray, X2: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The official iteration in numpy (erf): angles clipped each layer, K <- dual + K * dual'."""
    norm = math.asin(2.0 / 3.0)
    angles = np.clip(X1 @ X2.T, -1, 1)
    K = angles.copy()
    for _ in range(depth):
        new = np.clip(np.arcsin(2 * angles / 3) / norm, -1, 1)
        K = new + K * ((2 / 3) / (np.sqrt(1 - 4 * angles**2 / 9) * norm))
        angles = new
    return angles, K


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X1, X2 = w.to_sphere(rng.normal(size=(1000, 5))), w.to_sphere(rng.normal(size=(2000, 5)))
    a, b = official_style_numpy(X1, X2, 100)
    ra, rb = w.nngp_and_ntk(X1, X2, "erf", 100)
    assert np.abs(a - ra).max() < 1e-10 and np.abs(b - rb).max() < 1e-8 * np.abs(b).max()
    deep = Comparison(task="NNGP+NTK erf, L=100, 1000x2000 (1 thread)", reference="official-style numpy loop")
    deep.add(
        "official-style numpy loop", time_fn(lambda: official_style_numpy(X1, X2, 100), warmup=1, repeat=3)
    )
    t1, t2 = torch.as_tensor(X1, device=args.device), torch.as_tensor(X2, device=args.device)
    deep.add(
        "wide_deep_ntk.nngp_and_ntk",
        time_fn(lambda: w.nngp_and_ntk(t1, t2, "erf", 100), warmup=1, repeat=3, device=args.device),
    )

    X = torch.as_tensor(w.to_sphere(rng.normal(size=(200, 5))), device=args.device)
    net = (
        w.NTKMLP(5, 4096, 3, activation="relu", generator=torch.Generator().manual_seed(0))
        .double()
        .to(args.device)
    )
    emp = w.mlp_empirical_ntk(net, X)
    exact = w.ntk(X, None, "relu", 3)
    rel = float((emp - exact).norm() / exact.norm())
    fin = Comparison(task="NTK of 200 points, ReLU depth 3 (1 thread)", reference="empirical NTK, width 4096")
    fin.add(
        "empirical NTK, width 4096",
        time_fn(lambda: w.mlp_empirical_ntk(net, X), warmup=1, repeat=3, device=args.device),
        rel_frobenius_error_vs_analytic=f"{rel:.3f}",
    )
    fin.add(
        "wide_deep_ntk.ntk (width = infinity)",
        time_fn(lambda: w.ntk(X, None, "relu", 3), warmup=1, repeat=5, device=args.device),
    )
    print(ratio_table([deep, fin]))
    write_bench(
        args.out,
        [deep, fin],
        device=args.device,
        package="wide-deep-ntk",
        version=w.__version__,
        config={"threads": 1},
    )


if __name__ == "__main__":
    main()
