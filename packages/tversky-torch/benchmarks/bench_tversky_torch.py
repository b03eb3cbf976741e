"""Speed and activation memory of TverskyProjection vs nn.Linear (LM-head scale) and vs the verskyt peer.

Times are forward + backward per call (median); memory is the bytes autograd saves for the backward pass
(activations, measured with ``torch.autograd.graph.saved_tensors_hooks``; on CUDA also the peak allocation).
Writes ``results/bench.json`` (table ``bench``) for the README.

    python benchmarks/bench_tversky_torch.py                  # CPU, reduced sizes
    python benchmarks/bench_tversky_torch.py --device cuda --full
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from paperzoo_shared.bench import Comparison, peak_memory, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads
from tversky_torch import TverskyProjection, __version__
from tversky_torch import functional as TF


def saved_bytes(fn: Callable[[], torch.Tensor]) -> int:
    """Bytes of the tensors autograd keeps for the backward pass of ``fn()`` (distinct storages)."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        try:
            ptr = t.untyped_storage().data_ptr()
            seen[ptr] = max(seen.get(ptr, 0), t.untyped_storage().nbytes())
        except (RuntimeError, NotImplementedError):  # pragma: no cover
            pass
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())


class NaiveTversky(nn.Module):
    """The unfused contrast model: three separate products with their own masks (what the fused GEMM replaces)."""

    def __init__(self, ref: TverskyProjection) -> None:
        super().__init__()
        self.ref = ref

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.ref
        xm, xmask = TF.tversky_projections(x, r.feature_bank)
        pm, pmask = TF.tversky_projections(r.prototypes, r.feature_bank)
        common = TF.intersection(xm, xmask, pm, pmask, "product")
        d_xp = TF.difference(xm, xmask, pm, pmask, "ignorematch")
        d_px = TF.difference(pm, pmask, xm, xmask, "ignorematch").T
        return r.theta * common - r.alpha * d_xp - r.beta * d_px


def fwd_bwd(model: nn.Module, x: torch.Tensor) -> Callable[[], torch.Tensor]:
    def step() -> torch.Tensor:
        model.zero_grad(set_to_none=True)
        y = model(x)
        y.float().sum().backward()
        return y

    return step


def forward_only(model: nn.Module, x: torch.Tensor) -> Callable[[], torch.Tensor]:
    return lambda: model(x).sum()


def compare(task: str, models: dict[str, nn.Module], x: torch.Tensor, device: str, repeat: int) -> Comparison:
    comp = Comparison(task=task, reference=next(iter(models)))
    for name, model in models.items():
        timing = time_fn(fwd_bwd(model, x), warmup=2, repeat=repeat, device=device)
        extra = {"saved MiB": f"{saved_bytes(forward_only(model, x)) / 2**20:.1f}"}
        if device.startswith("cuda"):
            extra["peak MiB"] = f"{peak_memory(fwd_bwd(model, x), device=device)['cuda_peak_mb']:.1f}"
        comp.add(name, timing, **extra)
        print(f"{task} | {name}: {timing} {extra}", flush=True)
    return comp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--full", action="store_true", help="GPU scale: 8192 tokens, d 768, vocab 50257, K 1024"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(args.threads):
        comps = run(args.device, full=args.full, repeat=args.repeat)
    print()
    print(ratio_table(comps))
    config = {"full": args.full, "repeat": args.repeat, "threads": args.threads}
    write_bench(
        args.out, comps, "bench", args.device, package="tversky-torch", version=__version__, config=config
    )


def run(dev: str, *, full: bool, repeat: int) -> list[Comparison]:
    torch.manual_seed(0)
    comps = []

    # 1. LM-head scale: tokens x vocab, against the nn.Linear head the paper replaces
    n, d, v, k = (8192, 768, 50257, 1024) if full else (1024, 256, 8192, 256)
    x = torch.randn(n, d, device=dev)
    tv = TverskyProjection(d, v, k).to(dev)
    models = {
        f"nn.Linear({d}, {v})": nn.Linear(d, v).to(dev),
        f"TverskyProjection K={k} (fused)": tv,
        "unfused 3-product contrast": NaiveTversky(tv),
    }
    comps.append(compare(f"LM head fwd+bwd, {n} tokens x vocab {v}, d {d}", models, x, dev, repeat))

    # 2. the peer's benchmark size (n=1024, d=256, m=1000, K=512), against verskyt when installed
    n, d, m, k = 1024, 256, 1000, 512
    x = torch.randn(n, d, device=dev)
    ours = {
        "tversky-torch contrast product/ignorematch": TverskyProjection(d, m, k).to(dev),
        "tversky-torch ratio product/ignorematch": TverskyProjection(d, m, k, model="ratio").to(dev),
    }
    try:
        from verskyt import TverskyProjectionLayer

        ours["verskyt 0.2.4 ratio product/ignorematch"] = TverskyProjectionLayer(
            d, m, k, intersection_reduction="product", difference_reduction="ignorematch"
        ).to(dev)
        # verskyt's default substractmatch materialises (n, m, K) tensors: about two orders of magnitude slower
        # at this size (see benchmarks/peer_verskyt.py), so it is left out of the repeated timings
    except ImportError:
        print("verskyt not installed: pip install 'tversky-torch[peers]' to compare with it")
    comps.append(compare(f"peer size fwd+bwd, n {n}, d {d}, m {m}, K {k}", ours, x, dev, repeat))
    return comps


if __name__ == "__main__":
    main()
