"""Forward+backward time per batch: LayerNormLSTM (fast path; compiled step) vs nn.LSTM (fused kernel) and the
naive per-step cell loop (input GEMM and layer norm inside the loop), B=64, T=64, I=1, H=128."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from layernorm import LayerNormLSTM, __version__
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1: stable timings on a shared machine)"
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time impl='compile' (default: on CUDA only; on CPU it needs a C++ compiler)",
    )
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    dev = torch.device(args.device)
    if args.compile is None:
        args.compile = dev.type == "cuda"
    torch.manual_seed(0)
    comps = []
    # the spec's setting (one pixel per step), then a word-embedding-sized input where the fast path matters
    for B, T, I, H in ((64, 64, 1, 128), (64, 64, 256, 128)):
        x = torch.randn(T, B, I, device=dev)
        lstm = torch.nn.LSTM(I, H).to(dev)
        ours = LayerNormLSTM(I, H).to(dev)
        cell = ours.cells[0]

        def fwd_bwd(model: torch.nn.Module) -> None:
            model.zero_grad(set_to_none=True)
            model(x)[0].sum().backward()

        def naive_loop() -> None:
            cell.zero_grad(set_to_none=True)
            h = c = torch.zeros(B, H, device=dev)
            outs = []
            for t in range(T):
                h, c = cell(x[t], (h, c))  # input GEMM + LN recomputed at every step
                outs.append(h)
            torch.stack(outs).sum().backward()

        comp = Comparison(task=f"LSTM fwd+bwd, B={B} T={T} I={I} H={H}", reference="nn.LSTM")
        comp.add("nn.LSTM", time_fn(lambda: fwd_bwd(lstm), repeat=args.repeat, device=dev))
        comp.add("LayerNormLSTM (fast path)", time_fn(lambda: fwd_bwd(ours), repeat=args.repeat, device=dev))
        comp.add("naive per-step LN cell loop", time_fn(naive_loop, repeat=args.repeat, device=dev))
        if args.compile:
            compiled = LayerNormLSTM(I, H, impl="compile").to(dev)
            comp.add(
                "LayerNormLSTM impl='compile'",
                time_fn(lambda: fwd_bwd(compiled), warmup=3, repeat=args.repeat, device=dev),
            )
        fast, naive = (
            comp.timings["LayerNormLSTM (fast path)"].median,
            comp.timings["naive per-step LN cell loop"].median,
        )
        print(
            f"I={I}: fast path {naive / fast:.2f}x faster than the naive loop; {comp.ratio('LayerNormLSTM (fast path)'):.2f}x nn.LSTM's time"
        )
        comps.append(comp)
    print(ratio_table(comps))
    write_bench(
        args.out,
        comps,
        device=dev,
        package="layernorm",
        version=__version__,
        config={"threads": args.threads, "repeat": args.repeat, "compile": args.compile},
    )


if __name__ == "__main__":
    main()
