"""Side by side with neuraloperator 2.0.0 on identical inputs: our FiniteDifferenceConv2d against
``neuralop.layers.differential_conv.FiniteDifferenceConvolution`` (same weights: outputs must agree) and our
SpectralConv2d against ``neuralop.layers.spectral_convolution.SpectralConv`` (same shapes and modes; different
weight layouts, so speed only), forward + backward. Writes results/peers.json (README table ``peers``).

Run: ``pip install "nn-to-no[reproduce,peers]"`` then ``python benchmarks/peer_neuralop.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import nn_to_no
from paperzoo_shared.bench import time_fn
from paperzoo_shared.results import Results


def fwd_bwd(layer, *args):
    def run() -> None:
        layer.zero_grad(set_to_none=True)
        layer(*args).sum().backward()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import neuralop
    from neuralop.layers.differential_conv import FiniteDifferenceConvolution
    from neuralop.layers.spectral_convolution import SpectralConv

    dev = args.device
    peer = f"neuraloperator {neuralop.__version__}"
    res = Results(
        package="nn-to-no",
        version=nn_to_no.__version__,
        kind="peers",
        preset="peers",
        config={"device": dev, "threads": args.threads, "batch": 4, "channels": 16},
        seeds=[0],
    )
    start = time.perf_counter()
    rows = []
    for n in (128, 256):
        torch.manual_seed(0)
        x = torch.randn(4, 16, n, n, device=dev)
        ref = FiniteDifferenceConvolution(16, 16, n_dim=2, kernel_size=3).to(dev)
        ours = nn_to_no.FiniteDifferenceConv2d(16, 16).to(dev)
        with torch.no_grad():
            ours.weight.copy_(ref.conv.weight)
            diff = float((ours(x) - ref(x, 1 / n)).abs().max() / ref(x, 1 / n).abs().max())
        t_ref = time_fn(fwd_bwd(ref, x, 1 / n), device=dev, repeat=5).median * 1e3
        t_ours = time_fn(fwd_bwd(ours, x), device=dev, repeat=5).median * 1e3
        rows.append(
            [f"finite-difference conv 3x3, {n}^2", f"{diff:.1e}", t_ours, t_ref, f"{t_ref / t_ours:.2f}x"]
        )
        sref = SpectralConv(16, 16, n_modes=(16, 16)).to(dev)
        sours = nn_to_no.SpectralConv2d(16, 16, n_modes=16).to(dev)
        t_ref = time_fn(fwd_bwd(sref, x), device=dev, repeat=5).median * 1e3
        t_ours = time_fn(fwd_bwd(sours, x), device=dev, repeat=5).median * 1e3
        rows.append(
            [
                f"spectral conv, 16 modes, {n}^2",
                "n/a (different weights)",
                t_ours,
                t_ref,
                f"{t_ref / t_ours:.2f}x",
            ]
        )
    res.add_table(
        "peers",
        [
            "layer (batch 4, 16 channels, fwd+bwd)",
            "max rel. difference",
            "ours (ms)",
            f"{peer} (ms)",
            "speed vs peer",
        ],
        rows,
    )
    res.notes.append(
        "IntegralConv2d vs neuralop's DiscreteContinuousConv2d was not run: it needs torch-harmonics, which is not "
        "installed here; the whole-model comparison with neuralop's FNO is the reference arm of the cpu study."
    )
    res.finalize(wall_time_s=time.perf_counter() - start, device=dev, module_file=__file__)
    res.write(args.out)
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
