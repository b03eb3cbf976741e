"""Training-step time of SineNet-K against the U-Net of the same family at a matched parameter count (the model
the paper replaces), printed as ratios and written to results/bench.json."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import sinenet
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def step_fn(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def step() -> None:
        loss = sinenet.scaled_l2(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.manual_seed(0)
    kw = {"time_history": 2, "hidden": args.hidden, "n_levels": args.levels, "padding_mode": "circular"}
    unet = sinenet.UNet(1, **kw).to(args.device)
    budget = sinenet.count_params(unet)
    x = torch.randn(32, 2, 1, args.size, args.size, device=args.device)
    y = torch.randn(32, 1, 1, args.size, args.size, device=args.device)
    comp = Comparison(
        task=f"train step, batch 32, {args.size}^2, ~{budget // 1000}k params", reference="U-Net"
    )
    comp.add("U-Net", time_fn(step_fn(unet, x, y), repeat=args.repeat, device=args.device), params=budget)
    for k in (2, 4):
        net = sinenet.SineNet(1, n_waves=k, param_budget=budget, **kw).to(args.device)
        t = time_fn(step_fn(net, x, y), repeat=args.repeat, device=args.device)
        comp.add(f"SineNet-{k}", t, params=sinenet.count_params(net))
    print(ratio_table([comp]))
    write_bench(args.out, [comp], device=args.device, package="sinenet", version=sinenet.__version__)


if __name__ == "__main__":
    main()
