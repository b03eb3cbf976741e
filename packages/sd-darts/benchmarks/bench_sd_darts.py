"""Cost of an SD-DARTS search step against the DARTS step it replaces, on the NB-digits-3e5o supernet.

SD-DARTS adds K teacher forward passes (no grad) to every w step; the spec expects about ``1 + K/3`` times a
first-order DARTS step. SDARTS-RS (the sharpness-reducing competitor of the cpu study) costs about what DARTS-1st
does. Also the sharpness measurement (20 power iterations on the 600 validation digits). Printed as ratios and
written to results/bench.json; needs the ``reproduce`` extra (digits, paperzoo-shared).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

import darts_core as dc
import sd_darts
from darts_core.reproduce.data import digits_splits
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads
from sd_darts.reproduce.sdarts_rs import RandomAlphaArchitect


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(1 if args.device == "cpu" else None):
        bench(args.device, args.out)


def _step_fn(model: dc.Supernet, architect: Any, batch: tuple[torch.Tensor, torch.Tensor]):
    """One search iteration as darts-core's loop runs it: the α step, then the w step with the architect's loss."""
    params = model.weight_parameters()
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=3e-4)

    def step() -> None:
        architect.step(batch, batch, 0.05, opt)
        x, y = batch
        loss = architect.weight_objective(model(x), batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if hasattr(architect, "on_step"):
            architect.on_step(None)

    return step


def bench(device: str, out: str) -> None:
    d = digits_splits()
    x, y = (t[:100].to(device) for t in d["train"])
    batch = (x, y)
    comp = Comparison(
        task="search step (α + w), NB-digits-3e5o supernet C=8, batch 100", reference="DARTS-1st"
    )

    def fresh() -> dc.Supernet:
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(device)

    m = fresh()
    comp.add(
        "DARTS-1st", time_fn(_step_fn(m, dc.Architect(m, arch_lr=3e-3), batch), repeat=20, device=device)
    )
    m = fresh()
    comp.add(
        "DARTS-2nd",
        time_fn(_step_fn(m, dc.Architect(m, order=2, arch_lr=3e-3), batch), repeat=20, device=device),
    )
    m = fresh()
    rs = RandomAlphaArchitect(m, epochs=120, steps_per_epoch=6, arch_lr=3e-3)
    comp.add("SDARTS-RS", time_fn(_step_fn(m, rs, batch), repeat=20, device=device))
    for k in (1, 3, 5):
        m = fresh()
        arch = sd_darts.SDArchitect(m, k=k, arch_lr=3e-3)
        for _ in range(k):
            arch.observe()  # teachers ready: the steady-state cost
        comp.add(f"SD-DARTS K={k}", time_fn(_step_fn(m, arch, batch), repeat=20, device=device), teachers=k)
    m = fresh()
    arch = sd_darts.SDArchitect(m, teacher="ema", arch_lr=3e-3)
    arch.observe()
    comp.add("SD-DARTS EMA teacher", time_fn(_step_fn(m, arch, batch), repeat=20, device=device))

    xv, yv = (t.to(device) for t in d["val"])
    val = [(xv[i : i + 100], yv[i : i + 100]) for i in range(0, 600, 100)]
    m = fresh()
    sharp = Comparison(
        task="λ_max of ∇²_α L_val, 600 val digits in 6 batches", reference="one DARTS-1st epoch"
    )
    train = dc.TensorLoader(*d["train"], batch_size=100, seed=0).to(device)
    valid = dc.TensorLoader(*d["val"], batch_size=100, seed=1).to(device)
    sharp.add(
        "one DARTS-1st epoch",
        time_fn(lambda: dc.search(m, train, valid, 1, w_lr=0.05, arch_lr=3e-3), repeat=3, device=device),
    )
    sharp.add(
        "dominant_hessian_eigenvalue, 20 iterations",
        time_fn(lambda: sd_darts.dominant_hessian_eigenvalue(m, val, iters=20), repeat=3, device=device),
    )
    print(ratio_table([comp, sharp]))
    write_bench(out, [comp, sharp], device=device, package="sd-darts", version=sd_darts.__version__)


if __name__ == "__main__":
    main()
