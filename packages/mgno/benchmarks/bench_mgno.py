"""Speed of one MgNO training step and forward pass against the baselines it is compared with (neuraloperator's FNO and a U-Net,
at the cpu study's parameter budgets, batch 16 on the 33x33 Darcy grid), printed as ratios and written to
results/bench.json."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import torch

import mgno
from mgno.reproduce.baselines import UNet, fno
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench


def step_fn(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        mgno.rel_h1(model(x), y).backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--size", type=int, default=33)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 1, args.size, args.size, device=args.device)
    y = torch.randn_like(x)
    models = {
        "MgNO (width 16, 4 layers, 4 levels)": mgno.MgNO(
            width=16, n_layers=4, levels=((1, 0),) * 3 + ((2, 0),)
        )
    }
    ref = "U-Net (16/32/64)"
    if (
        importlib.util.find_spec("neuralop") is not None
    ):  # the GPU check has no neuraloperator: U-Net is the reference
        ref = "FNO (neuraloperator, 12 modes, width 16)"  # the baseline MgNO is claimed to replace
        models[ref] = fno(n_modes=12, hidden=16, n_layers=4)
    models["U-Net (16/32/64)"] = UNet(1, 1, (16, 32, 64))
    train = Comparison(task=f"train step, batch {args.batch}, {args.size}x{args.size}", reference=ref)
    infer = Comparison(task=f"forward, batch {args.batch}, {args.size}x{args.size}", reference=ref)
    for name, model in models.items():
        model = model.to(args.device)
        train.add(name, time_fn(step_fn(model, x, y), warmup=3, repeat=10, device=args.device))
        with torch.no_grad():
            infer.add(name, time_fn(lambda m=model: m(x), warmup=3, repeat=10, device=args.device))
    print(ratio_table([train, infer]))
    write_bench(args.out, [train, infer], device=args.device, package="mgno", version=mgno.__version__)


if __name__ == "__main__":
    main()
