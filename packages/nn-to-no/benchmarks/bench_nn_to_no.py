"""Speed of the converted layers against the pixel convolution they replace (forward + backward, batch 8, 32
channels), printed as ratios and written to results/bench.json.

Run: ``python benchmarks/bench_nn_to_no.py`` (``--device cuda`` on a GPU).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn

import nn_to_no
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def step(layer: nn.Module, x: torch.Tensor):
    def run() -> None:
        layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dev = args.device
    comps = []
    for n in (32, 128):
        x = torch.randn(8, 32, n, n, device=dev)
        conv = nn.Conv2d(32, 32, 3, padding=1, padding_mode="circular").to(dev)
        comp = Comparison(task=f"32->32 channels, {n}x{n}, fwd+bwd", reference="nn.Conv2d 3x3 (pixel kernel)")
        comp.add("nn.Conv2d 3x3 (pixel kernel)", time_fn(step(conv, x), device=dev, repeat=5))
        interp = nn_to_no.InterpolatedConv2d.from_conv(conv, base_resolution=32)
        comp.add("InterpolatedConv2d (trained at 32)", time_fn(step(interp, x), device=dev, repeat=5))
        integral = nn_to_no.IntegralConv2d(32, 32, radius=3 / 32).to(dev)
        comp.add("IntegralConv2d (radius 3/32)", time_fn(step(integral, x), device=dev, repeat=5))
        net = nn_to_no.ConvNet(32, 32, depth=1).net[0].to(dev)
        io = nn_to_no.InputOutputInterpolate(net, train_resolution=32)
        comp.add("InputOutputInterpolate (conv at 32)", time_fn(step(io, x), device=dev, repeat=5))
        comps.append(comp)
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=dev,
        package="nn-to-no",
        version=nn_to_no.__version__,
        config={"threads": args.threads},
    )


if __name__ == "__main__":
    main()
