"""Speed of snnk against the layer it replaces (nn.Linear + activation) and the closest peer (scikit-learn's
RBFSampler + Ridge for the closed-form fit), printed as ratios and written to results/bench.json.

    python benchmarks/bench_snnk.py [--device cpu|cuda] [--full]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn

import snnk
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def layer_comparison(d: int, m: int, batch: int, device: str) -> Comparison:
    torch.manual_seed(0)
    x = torch.randn(batch, d, device=device) / d**0.5
    linear = nn.Linear(d, d).to(device)
    layer = snnk.SNNKLinear(d, d, m, feature_map="relu", seed=0).to(device)

    def step(fn):
        def run():
            out = fn(x)
            out.pow(2).mean().backward()

        return run

    comp = Comparison(task=f"forward+backward, d={d}->{d}, batch {batch}", reference="nn.Linear + ReLU")
    comp.add(
        "nn.Linear + ReLU", time_fn(step(lambda v: torch.relu(linear(v))), device=device), params=d * d + d
    )
    comp.add(f"SNNKLinear relu m={m}", time_fn(step(layer), device=device), params=d * m)
    return comp


def closed_form_comparison(m: int) -> Comparison:
    from sklearn.datasets import load_digits
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline

    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    ours = snnk.BundledClassifier("relu", num_features=m, alpha=1.0, random_state=0)
    peer = make_pipeline(RBFSampler(gamma=1 / 64, n_components=m, random_state=0), RidgeClassifier(alpha=1.0))
    comp = Comparison(
        task=f"closed-form fit, digits (n=1797), m={m}", reference="sklearn RBFSampler + RidgeClassifier"
    )
    comp.add("sklearn RBFSampler + RidgeClassifier", time_fn(lambda: peer.fit(X, y), warmup=1, repeat=5))
    comp.add("snnk BundledClassifier (relu)", time_fn(lambda: ours.fit(X, y), warmup=1, repeat=5))
    return comp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--full", action="store_true", help="GPU scale: d=4096, m=256, batch 8192")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    if args.full:
        comps = [layer_comparison(4096, 256, 8192, args.device)]
    else:
        comps = [layer_comparison(1024, 64, 512, args.device), closed_form_comparison(1024)]
    print(ratio_table(comps))
    write_bench(args.out, comps, device=args.device, package="snnk", version=snnk.__version__)


if __name__ == "__main__":
    main()
