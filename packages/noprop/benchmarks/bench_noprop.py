"""Speed and memory of one NoProp-DT training step against back-prop through the same network (the
baseline the paper replaces) and a plain back-prop MLP; printed as ratios, written to results/bench.json."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import noprop
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(args.threads):
        comps = measure(torch.device(args.device))
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=args.device,
        package="noprop",
        version=noprop.__version__,
        config={"threads": args.threads},
    )


def measure(dev: torch.device) -> list[Comparison]:
    """One training step and inference: NoProp-DT vs back-prop through the same blocks and a plain MLP."""
    torch.manual_seed(0)
    T, C, B = 10, 10, 128
    if dev.type == "cuda":  # the paper's CIFAR-10 CNN block
        factory = lambda: noprop.DenoiseBlockCNN(3, C, C, 32, hidden=256)
        x = torch.randn(B, 3, 32, 32, device=dev)
        task = "CIFAR-10 CNN blocks, T=10, batch 128"
    else:  # the cpu preset's digits MLP blocks
        factory = lambda: noprop.DenoiseBlockMLP(64, C, C, hidden=128, dropout=0.0)
        x = torch.randn(B, 64, device=dev)
        task = "digits MLP blocks, T=10, batch 128"
    y = torch.arange(B, device=dev) % C
    model = noprop.NoPropDT(num_classes=C, T=T, block_factory=factory).to(dev)
    opts = {t: torch.optim.AdamW(model.block_parameters(t), lr=1e-3) for t in range(1, T + 1)}
    chain = noprop.BackpropClassifier(noprop.EndToEndChain(model), num_classes=C)
    chain_opt = torch.optim.AdamW(chain.parameters(), lr=1e-3)
    mlp = noprop.BackpropMLP(x[0].numel(), C).to(dev)
    mlp_opt = torch.optim.AdamW(mlp.parameters(), lr=1e-3)
    state = {"t": 0}

    def dt_step():
        t = state["t"] % T + 1
        state["t"] += 1
        loss, _ = model.block_loss(x, y, t)
        opts[t].zero_grad(set_to_none=True)
        loss.backward()
        opts[t].step()

    def bp_step():
        loss = chain.loss(x, y)
        chain_opt.zero_grad(set_to_none=True)
        loss.backward()
        chain_opt.step()

    def mlp_step():
        loss = torch.nn.functional.cross_entropy(mlp(x.reshape(B, -1)), y)
        mlp_opt.zero_grad(set_to_none=True)
        loss.backward()
        mlp_opt.step()

    steps = Comparison(task=f"one training step ({task})", reference="back-prop, same T blocks")
    steps.add("back-prop, same T blocks", time_fn(bp_step, warmup=3, repeat=20, device=dev))
    steps.add("NoProp-DT, one block (x T per epoch)", time_fn(dt_step, warmup=T, repeat=20, device=dev))
    steps.add("back-prop MLP 768-512-256", time_fn(mlp_step, warmup=3, repeat=20, device=dev))

    model.eval()
    model.trained.fill_(True)
    mlp.eval()
    with torch.no_grad():
        infer = Comparison(task=f"inference ({task})", reference="back-prop MLP 768-512-256")
        infer.add("back-prop MLP 768-512-256", time_fn(lambda: mlp(x.reshape(B, -1)), repeat=20, device=dev))
        infer.add("NoProp-DT chain (T block calls)", time_fn(lambda: model(x), repeat=20, device=dev))

    mem_dt = noprop.training_step_memory(lambda: model.block_loss(x, y, T)[0], model)
    mem_bp = noprop.training_step_memory(lambda: chain.loss(x, y), chain)
    steps.extra["NoProp-DT, one block (x T per epoch)"]["step_memory_vs_backprop"] = (
        f"{mem_dt.step_bytes / mem_bp.step_bytes:.3f}"
    )
    return [steps, infer]


if __name__ == "__main__":
    main()
