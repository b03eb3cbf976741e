"""Speed (and training memory) of the LSSL's convolutional view against the recurrence it replaces, a GRU,
and the successors S4D (in-package) and S5 (``s5-pytorch``), printed as ratios; writes results/bench.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

import lssl
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers_lssl import S5Layer, saved_activation_mb  # noqa: E402


class _GRULayer(nn.Module):
    def __init__(self, H: int) -> None:
        super().__init__()
        self.gru = nn.GRU(H, H, batch_first=True)

    def forward(self, u: torch.Tensor, **_: Any) -> tuple[torch.Tensor, None]:
        return self.gru(u)[0], None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--L", type=int, default=1024)
    parser.add_argument("--H", type=int, default=64)
    parser.add_argument("--N", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "bench.json"))
    args = parser.parse_args()
    with threads(args.threads if args.threads > 0 else None):
        run(args)


def run(args: argparse.Namespace) -> None:
    dev = args.device
    torch.manual_seed(0)
    B, L, H, N = args.batch, args.L, args.H, args.N
    u = torch.randn(B, L, H, device=dev)
    layers: dict[str, nn.Module] = {
        "LSSL-f conv (FFT)": lssl.LSSL(d_model=H, d_state=N, learn_A="fixed", learn_dt=False),
        "LSSL learned A+dt conv": lssl.LSSL(d_model=H, d_state=N, learn_A="shared", learn_dt=True),
        "LSSL-f recurrent (loop)": lssl.LSSL(d_model=H, d_state=N, learn_A="fixed", learn_dt=False),
        f"GRU({H})": _GRULayer(H),
        f"S4D (N={N // 2}, same params)": lssl.S4DLayer(d_model=H, d_state=N // 2),
    }
    try:
        layers[f"S5 (s5-pytorch, P={N // 4})"] = S5Layer(H, N // 4, 1e-3, 1e-1)
    except ImportError:
        print("s5-pytorch not installed: S5 skipped")
    comp = Comparison(task=f"fwd+bwd B={B} L={L} H={H} N={N}", reference="LSSL-f conv (FFT)")
    for name, layer in layers.items():
        layer.to(dev)
        mode = {"mode": "recurrent"} if "recurrent" in name else {}

        def step(layer: nn.Module = layer, mode: dict[str, str] = mode) -> None:
            y, _ = layer(u, **mode)
            y.square().mean().backward()

        slow = "recurrent" in name or "GRU" in name
        t = time_fn(step, warmup=1 if slow else 2, repeat=1 if slow else 5, device=dev)
        params = sum(p.numel() for p in layer.parameters())

        class _Wrap(nn.Module):
            def __init__(self, inner: nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.inner(x, **mode)[0]

        mem = saved_activation_mb(_Wrap(layer), u)
        comp.add(name, t, params=params, saved_MiB=round(mem, 1))
        print(name, t, flush=True)

    kry = Comparison(task=f"Krylov matrix H={H} N={N} L={L}", reference="squaring (lssl.krylov)")
    layer = layers["LSSL-f conv (FFT)"]
    with torch.no_grad():
        Ab, Bb = layer.discrete()
        kry.add("squaring (lssl.krylov)", time_fn(lambda: lssl.krylov(L, Ab, Bb), device=dev))
        kry.add(
            "sequential (L mat-vecs)",
            time_fn(lambda: lssl.krylov_sequential(L, Ab, Bb), warmup=1, repeat=3, device=dev),
        )
    print(ratio_table([comp, kry]))
    write_bench(
        args.out,
        [comp, kry],
        device=dev,
        package="lssl",
        version=lssl.__version__,
        config={k: getattr(args, k) for k in ("L", "H", "N", "batch", "threads")},
    )


if __name__ == "__main__":
    main()
