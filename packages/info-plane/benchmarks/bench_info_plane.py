"""Speed of info_plane's estimators against the official code's numpy recipe (the baseline the package replaces),
and side by side with pyitlib and dit (discrete entropies, the peers) on the same bin codes.

Writes ``results/bench.json`` (table ``bench``) and ``results/peers.json`` (table ``peer``: agreement in bits
and time ratio). pyitlib and dit are optional (``pip install "info-plane[peers]"``): without them the peer rows
are left out and say so.

    python benchmarks/bench_info_plane.py [--device cpu|cuda] [--threads 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import info_plane as ip
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.runner import threads

RESULTS = Path(__file__).resolve().parents[1] / "results"


def numpy_bin_mi(h: np.ndarray, y: np.ndarray, n_bins: int = 30) -> tuple[float, float]:
    """The official code's recipe: digitize to bin edges, rows viewed as bytes, np.unique counts, plug-in bits."""
    digitized = np.digitize(h, np.linspace(-1, 1, n_bins))
    rows = np.ascontiguousarray(digitized).view(
        np.dtype((np.void, digitized.dtype.itemsize * digitized.shape[1]))
    )
    _, inv, counts = np.unique(rows, return_inverse=True, return_counts=True)
    p = counts / counts.sum()
    h_t = float(-(p * np.log2(p)).sum())
    h_t_given_y = 0.0
    for c in np.unique(y):
        sel = y == c
        _, cnt = np.unique(inv.ravel()[sel], return_counts=True)
        pc = cnt / cnt.sum()
        h_t_given_y += sel.mean() * float(-(pc * np.log2(pc)).sum())
    return h_t, h_t - h_t_given_y


def numpy_kde_ixt(h: np.ndarray, s2: float) -> float:
    """The KDE upper bound's I(X;T) (bits) as one dense float64 numpy matrix (as ibsgd's kde.py computes it)."""
    d2 = (h * h).sum(1)[:, None] + (h * h).sum(1)[None, :] - 2 * h @ h.T
    a = -np.maximum(d2, 0) / (2 * s2)
    m = a.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(a - m).sum(1))
    return float(-(lse - np.log(len(h))).mean() / np.log(2))


def layer(seed: int = 0, width: int = 10) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.tanh(torch.randn(4096, width, generator=g) * 1.5)


def bench(device: str) -> list[Comparison]:
    d = ip.ib_12bit()
    y = d.y.to(device)
    h = layer().to(device)
    hn, yn = h.cpu().double().numpy(), d.y.numpy()
    comps = []
    comp = Comparison(
        task="binning MI, 4096 x 10 tanh layer, 30 bins", reference="official-code numpy recipe"
    )
    comp.add("official-code numpy recipe", time_fn(lambda: numpy_bin_mi(hn, yn), repeat=20))
    comp.add("info_plane.bin_mi", time_fn(lambda: ip.bin_mi(h, y), repeat=20, device=device))
    comps.append(comp)
    stack = torch.stack([layer(s) for s in range(10)]).to(device)
    comp = Comparison(
        task="binning MI, 10 networks x 4096 x 10", reference="official-code numpy recipe, loop"
    )
    stack_n = stack.cpu().double().numpy()
    comp.add(
        "official-code numpy recipe, loop", time_fn(lambda: [numpy_bin_mi(a, yn) for a in stack_n], repeat=5)
    )
    comp.add("info_plane.bin_mi (batched)", time_fn(lambda: ip.bin_mi(stack, y), repeat=5, device=device))
    comps.append(comp)
    h5 = layer(width=5).to(device)
    comp = Comparison(task="KDE I(X;T), 4096 x 5 layer", reference="dense numpy float64")
    comp.add(
        "dense numpy float64",
        time_fn(lambda: numpy_kde_ixt(h5.cpu().double().numpy(), 1e-3), warmup=1, repeat=3),
    )
    comp.add(
        "info_plane.kde_mi (I(X;T) and I(T;Y))",
        time_fn(lambda: ip.kde_mi(h5, y), warmup=1, repeat=3, device=device),
    )
    comps.append(comp)
    return comps


def peers() -> list[Comparison]:
    """pyitlib and dit on the same integer bin codes: I(X;T) = H(T), I(T;Y) = H(T) + H(Y) - H(T, Y)."""
    d = ip.ib_12bit()
    h = layer()
    ours = ip.bin_mi(h, d.y)
    codes = ip.bin_codes(h).numpy()
    yn = d.y.numpy()
    comp = Comparison(
        task="binning MI of a 4096 x 10 layer: H(T), I(T;Y) in bits", reference="info_plane.bin_mi"
    )
    comp.add("info_plane.bin_mi", time_fn(lambda: ip.bin_mi(h, d.y), repeat=20))
    try:
        from pyitlib import discrete_random_variable as drv

        def pyit() -> tuple[float, float]:
            h_t = float(drv.entropy_joint(codes.T, base=2))
            h_ty = float(drv.entropy_joint(np.vstack([codes.T, yn[None]]), base=2))
            return h_t, h_t + float(drv.entropy(yn, base=2)) - h_ty

        got = pyit()
        comp.add("pyitlib entropy_joint (peer)", time_fn(pyit, warmup=1, repeat=5), **_agree(ours, got))
    except ImportError:
        print("pyitlib is not installed: its row is left out (pip install 'info-plane[peers]')")
    try:
        import dit

        def dit_mi() -> tuple[float, float]:
            # T as one symbol per row (dit builds dense joint arrays, so 10 separate 30-valued variables would
            # not fit); equal outcomes are merged by dit
            rows = [",".join(map(str, r)) for r in codes.tolist()]
            outcomes = [(r, int(c)) for r, c in zip(rows, yn.tolist(), strict=True)]
            dist = dit.Distribution(outcomes, [1 / len(outcomes)] * len(outcomes))
            return float(dit.shannon.entropy(dist, [0])), float(
                dit.shannon.mutual_information(dist, [0], [1])
            )

        got = dit_mi()
        comp.add(
            "dit Distribution + shannon (peer)", time_fn(dit_mi, warmup=0, repeat=2), **_agree(ours, got)
        )
    except ImportError:
        print("dit is not installed: its row is left out (pip install 'info-plane[peers]')")
    return [comp]


def _agree(ours: tuple[torch.Tensor, torch.Tensor], got: tuple[float, float]) -> dict[str, str]:
    diff = max(abs(float(ours[0]) - got[0]), abs(float(ours[1]) - got[1]))
    return {"max |difference| (bits)": f"{diff:.1e}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1: stable on a shared machine)"
    )
    parser.add_argument("--out", default=str(RESULTS / "bench.json"))
    parser.add_argument("--peers-out", default=str(RESULTS / "peers.json"))
    args = parser.parse_args()
    with threads(args.threads):
        comps = bench(args.device)
        print(ratio_table(comps))
        write_bench(args.out, comps, device=args.device, package="info-plane", version=ip.__version__,
                    config={"threads": args.threads})  # fmt: skip
        if args.device == "cpu":
            pcomps = peers()
            print(ratio_table(pcomps))
            write_bench(args.peers_out, pcomps, name="peer", device="cpu", package="info-plane",
                        version=ip.__version__, config={"threads": args.threads})  # fmt: skip


if __name__ == "__main__":
    main()
