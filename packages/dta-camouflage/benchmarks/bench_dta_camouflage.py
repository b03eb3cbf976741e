"""Cost of one EOT attack step through each differentiable proxy, and of the true (non-differentiable) renderer.

One step = project the tile, render the batch through the proxy, score it, back-propagate to the tile. The
reference is the naive differentiable renderer (what DTA replaces); the true renderer's row is the time to
render the same batch without any gradient. Written to results/bench.json (rendered into the README).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import dta_camouflage as dc
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    renderer = dc.ToyCarRenderer(size=args.size)
    pool = dc.EOTPool(args.batch, renderer, np.random.default_rng(0)).to(args.device)
    det = dc.CarClassifier().to(args.device).eval()
    widths = (8, 16, 32) if args.size <= 32 else (16, 32, 64)
    proxies = {
        "naive renderer": dc.NaiveRenderer().to(args.device),
        "ratio renderer": dc.RatioRenderer().to(args.device),
        f"DTN {'-'.join(map(str, widths))}": dc.DTN(widths=widths).to(args.device).eval(),
    }
    logits = torch.zeros(3, 8, 8, device=args.device, requires_grad=True)

    def step(proxy):
        def fn():
            tile = torch.sigmoid(logits)
            eta = dc.project_texture(tile, pool.uv, pool.mask)
            loss = dc.attack_loss(det.score(proxy(pool.x_ref, eta, pool.mask, pool.normals)))
            loss.backward()
            logits.grad = None

        return fn

    task = f"attack step, batch {args.batch}, {args.size}x{args.size}"
    comp = Comparison(task=task, reference="naive renderer")
    for name, proxy in proxies.items():
        comp.add(name, time_fn(step(proxy), device=args.device))
    tile = np.random.default_rng(1).uniform(size=(3, 8, 8))
    comp.add(
        "true renderer (numpy, forward only)",
        time_fn(lambda: [renderer.render(s, tile) for s in pool.scenes], warmup=1, repeat=5),
    )
    print(ratio_table([comp]))
    write_bench(
        args.out,
        [comp],
        device=args.device,
        package="dta-camouflage",
        version=dc.__version__,
        config={k: v for k, v in vars(args).items() if k != "out"},  # no machine path in the file
    )


if __name__ == "__main__":
    main()
