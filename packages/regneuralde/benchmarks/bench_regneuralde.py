"""Our Dopri5 (I-controller, like torchdiffeq) vs torchdiffeq's dopri5 on the same untrained digits-sized field:
a forward solve and a training step (backprop through the solver), reported as time ratios and time per NFE."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from regneuralde import TimeConcatMLP, __version__, error_regularizer, solve_ivp
from regneuralde.reproduce.training import CountingField


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    import torchdiffeq

    dev = torch.device(args.device)
    torch.manual_seed(0)
    func = CountingField(TimeConcatMLP(64, 100)).double().to(dev)
    x = torch.rand(128, 64, dtype=torch.float64, device=dev)
    t = torch.tensor([0.0, 1.0], dtype=torch.float64, device=dev)
    rtol = 1e-7

    def ours_fwd() -> None:
        with torch.no_grad():
            solve_ivp(func, x, t, method="dopri5", rtol=rtol, atol=rtol, controller="i")

    def td_fwd() -> None:
        with torch.no_grad():
            torchdiffeq.odeint(func, x, t, rtol=rtol, atol=rtol, method="dopri5")

    def ours_train(reg: bool) -> None:
        func.zero_grad()
        z, st = solve_ivp(func, x, t, method="dopri5", rtol=rtol, atol=rtol, controller="i")
        loss = z[-1].pow(2).mean() + (error_regularizer(st) if reg else 0.0)
        loss.backward()

    def td_train() -> None:
        func.zero_grad()
        torchdiffeq.odeint(func, x, t, rtol=rtol, atol=rtol, method="dopri5")[-1].pow(2).mean().backward()

    def nfe_of(fn) -> int:
        func.nfe = 0
        fn()
        return func.nfe

    fwd = Comparison(
        task="dopri5 forward solve, digits field, batch 128, rtol 1e-7", reference="torchdiffeq.odeint"
    )
    fwd.add("torchdiffeq.odeint", time_fn(td_fwd, repeat=args.repeat, device=dev), nfe=nfe_of(td_fwd))
    fwd.add("regneuralde.solve_ivp", time_fn(ours_fwd, repeat=args.repeat, device=dev), nfe=nfe_of(ours_fwd))
    train = Comparison(task="training step (backprop through the solver)", reference="torchdiffeq.odeint")
    train.add("torchdiffeq.odeint", time_fn(td_train, repeat=args.repeat, device=dev), nfe=nfe_of(td_train))
    train.add(
        "regneuralde.solve_ivp",
        time_fn(lambda: ours_train(False), repeat=args.repeat, device=dev),
        nfe=nfe_of(lambda: ours_train(False)),
    )
    train.add(
        "regneuralde.solve_ivp + ERNODE term",
        time_fn(lambda: ours_train(True), repeat=args.repeat, device=dev),
    )
    print(ratio_table([fwd, train]))
    write_bench(args.out, [fwd, train], device=dev, package="regneuralde", version=__version__)


if __name__ == "__main__":
    main()
