"""Cost of the noise: the wrapper's step vs the bare optimiser step and a full training step, and vs the
hand-written per-parameter loop most training scripts use (the common peer), on a 1M-parameter MLP; on a GPU also
the spec's at-scale check (about 100M parameters, Adam, foreach and fused: wrapper step within 1.15x of the bare
step), with the fused wrapper (``GradientNoise(..., fused=True)``: noise drawn inside one Triton kernel per tensor,
issue #24's aim: within 1.05x of the bare fused step) as a third row where CUDA and triton are available."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import torch

import gradient_noise as gn
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads


def mlp(device: str) -> torch.nn.Module:
    # 784-1000-200-10 + biases: 996,210 parameters, in 6 tensors
    return torch.nn.Sequential(
        torch.nn.Linear(784, 1000),
        torch.nn.ReLU(),
        torch.nn.Linear(1000, 200),
        torch.nn.ReLU(),
        torch.nn.Linear(200, 10),
    ).to(device)


def naive_noise(params: list[torch.nn.Parameter], std: float) -> None:
    for p in params:
        if p.grad is not None:
            p.grad.add_(torch.randn_like(p.grad) * std)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1: stable timings on a shared machine)"
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--scale-params",
        type=int,
        default=None,
        help="parameters of the at-scale Adam comparison (default: 100M on CUDA, skipped on the CPU)",
    )
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(args.threads):
        comps = measure(args.device, args.repeat, args.scale_params)
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=args.device,
        package="gradient-noise",
        version=gn.__version__,
        config={"threads": args.threads, "repeat": args.repeat},
    )


def measure(dev: str, repeat: int, scale_params: int | None) -> list[Comparison]:
    """The 1M-parameter comparisons (SGD and Adam), and the at-scale Adam check where it applies."""
    torch.manual_seed(0)
    comps = []
    for name, make in (
        ("SGD", lambda ps: torch.optim.SGD(ps, lr=0.01)),
        ("Adam", lambda ps: torch.optim.Adam(ps, lr=1e-3)),
    ):
        model = mlp(dev)
        params = list(model.parameters())
        x, y = torch.randn(256, 784, device=dev), torch.randint(0, 10, (256,), device=dev)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        bare = make(params)
        wrapped = gn.GradientNoise(make(params), eta=0.01, seed=0)
        naive_opt = make(params)
        functional_opt = make(params)
        generator = torch.Generator(device=dev).manual_seed(0)
        comp = Comparison(task=f"{name} step, 1M params", reference=f"bare {name}.step()")
        comp.add(f"bare {name}.step()", time_fn(bare.step, repeat=repeat, device=dev))
        comp.add("GradientNoise.step()", time_fn(wrapped.step, repeat=repeat, device=dev))

        def naive_step() -> None:
            naive_noise(params, 0.1)
            naive_opt.step()

        comp.add(
            "per-parameter randn_like loop + step (peer)", time_fn(naive_step, repeat=repeat, device=dev)
        )

        def functional_step() -> (
            None
        ):  # the least any implementation must do: one draw, one fused add, the step
            gn.add_gradient_noise_(params, 0.1, generator=generator)
            functional_opt.step()

        comp.add(
            "add_gradient_noise_ + step (no wrapper)",
            time_fn(functional_step, repeat=repeat, device=dev),
        )
        comps.append(comp)

        def train_step(opt: torch.optim.Optimizer) -> None:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

        full = Comparison(task=f"{name} training step (batch 256), 1M params", reference="without noise")
        full.add("without noise", time_fn(lambda: train_step(bare), repeat=repeat, device=dev))
        full.add("with GradientNoise", time_fn(lambda: train_step(wrapped), repeat=repeat, device=dev))
        comps.append(full)
    scale = scale_params if scale_params is not None else (100_000_000 if dev.startswith("cuda") else 0)
    if scale > 0:
        comps += at_scale(scale, dev, repeat)
    return comps


def at_scale(n_params: int, dev: str, repeat: int) -> list[Comparison]:
    """Adam step on ``n_params`` parameters in 4M-element tensors (a large model's weight matrices), with and
    without the wrapper, for the foreach (default) and the fused Adam."""
    chunk = 4 * 1024 * 1024
    sizes = [chunk] * (n_params // chunk) + ([n_params % chunk] if n_params % chunk else [])
    params = [torch.nn.Parameter(torch.randn(k, device=dev) * 0.01) for k in sizes]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    comps = []
    fused_ok = dev.startswith("cuda") and importlib.util.find_spec("triton") is not None
    if not fused_ok:
        print(
            "GradientNoise(fused=True) row skipped: it needs CUDA and triton "
            "(torch's CUDA wheels bring triton); on the CPU the fused step is a slow pure-torch reference"
        )
    for label, kw in (("foreach", {"foreach": True}), ("fused", {"fused": True})):
        bare = torch.optim.Adam(params, lr=1e-4, **kw)
        wrapped = gn.GradientNoise(torch.optim.Adam(params, lr=1e-4, **kw), eta=0.01, seed=0)
        comp = Comparison(
            task=f"Adam ({label}) step, {n_params / 1e6:.0f}M params", reference="bare Adam.step()"
        )
        comp.add("bare Adam.step()", time_fn(bare.step, repeat=repeat, device=dev))
        comp.add("GradientNoise.step()", time_fn(wrapped.step, repeat=repeat, device=dev))
        del wrapped
        if fused_ok:  # the noise drawn inside one Triton kernel per tensor (issue #24)
            in_pass = gn.GradientNoise(torch.optim.Adam(params, lr=1e-4, **kw), eta=0.01, seed=0, fused=True)
            comp.add(
                "GradientNoise(fused=True).step() (Triton)", time_fn(in_pass.step, repeat=repeat, device=dev)
            )
            del in_pass
        comps.append(comp)
        del bare
    return comps


if __name__ == "__main__":
    main()
