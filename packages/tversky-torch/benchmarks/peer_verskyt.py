"""Side by side with the ``verskyt`` package (MIT licence; ``pip install "tversky-torch[reproduce,peers]"``).

Same data, one run: XOR convergence of one layer (K=4, lr 0.1, 1000 Adam steps, 20 seeds), the digits
head swap (MLP backbone + head, end to end, 3 seeds) and forward+backward time at n=1024, d=256, m=1000, K=512.
Writes ``results/peers.json`` (a ``peers`` results file, table ``peers``) for the README.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch import nn

from paperzoo_shared import Results, mean_std, seed_everything
from paperzoo_shared.bench import time_fn
from paperzoo_shared.results import environment, hardware_label, today
from paperzoo_shared.runner import threads
from tversky_torch import TverskyProjection, __version__
from tversky_torch.reproduce import PRESETS
from tversky_torch.reproduce.mlp import backbone, digits_split, fit
from tversky_torch.reproduce.xor import train_stacked, xor_dataset

XOR_SEEDS, DIGITS_SEEDS = list(range(20)), [0, 1, 2]
COLUMNS = [
    "implementation",
    "XOR convergence (K=4, lr 0.1, 20 seeds)",
    "digits accuracy % (end to end, 3 seeds)",
    "fwd+bwd ms (n 1024, d 256, m 1000, K 512)",
    "time / tversky-torch",
]


def verskyt_layer(d_in: int, d_out: int, k: int, **kw: object) -> nn.Module:
    from verskyt import TverskyProjectionLayer

    return TverskyProjectionLayer(d_in, d_out, k, **kw)


def xor_rate(make: object, seeds: list[int], steps: int) -> float:
    x, y = xor_dataset()
    layers = []
    for s in seeds:
        torch.manual_seed(s)
        layers.append(make())  # type: ignore[operator]
    try:
        conv, _ = train_stacked(layers, [0.1] * len(layers), x, y, steps=steps)
    except Exception:  # a layer that vmap cannot trace: train one by one with torch.optim.Adam
        conv = []
        for layer in layers:
            opt = torch.optim.Adam(layer.parameters(), lr=0.1)
            for _ in range(steps):
                loss = nn.functional.cross_entropy(layer(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                out = layer(x)
                conv.append(bool(torch.isfinite(out).all() and (out.argmax(-1) == y).all()))
    return sum(conv) / len(conv)


def digits_acc(make_head: object, seeds: list[int]) -> list[float]:
    """Test accuracy (%) of the MLP backbone + ``make_head()`` trained end to end as in the ``digits`` study."""
    cfg = PRESETS["cpu"].studies["digits"]
    accs = []
    for seed in seeds:
        data = digits_split(seed, torch.device("cpu"))
        seed_everything(seed)
        model = nn.Sequential(backbone(), make_head())  # type: ignore[operator]
        accs.append(fit(model, model.parameters(), data, cfg, seed))
    return accs


def fwd_bwd_ms(layer: nn.Module, x: torch.Tensor) -> float:
    def step() -> None:
        layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()

    # one warm-up call and one timed call: verskyt's default per-feature path takes minutes per call here
    return time_fn(step, warmup=1, repeat=1).median * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers.json"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import verskyt

    arms = {
        "tversky-torch (contrast, product/ignorematch, U[0,1) init)": lambda d, m, k: TverskyProjection(
            d, m, k
        ),
        "tversky-torch (contrast, product/ignorematch, N(0,1/d) init)": lambda d, m, k: TverskyProjection(
            d, m, k, init="normal"
        ),
        "verskyt 0.2.4 defaults (ratio, product/substractmatch, xavier init)": lambda d, m, k: verskyt_layer(
            d, m, k
        ),
        "verskyt 0.2.4 product/ignorematch, uniform init": lambda d, m, k: verskyt_layer(
            d, m, k, difference_reduction="ignorematch", prototype_init="uniform", feature_init="uniform"
        ),
    }
    res = Results(
        package="tversky-torch",
        version=__version__,
        kind="peers",
        preset="peers",
        config={"threads": args.threads, "xor_seeds": XOR_SEEDS, "digits_seeds": DIGITS_SEEDS},
        seeds=XOR_SEEDS,
    )
    start = time.perf_counter()
    with threads(args.threads):
        torch.manual_seed(0)
        x_big = torch.randn(1024, 256)
        rows, raw = [], {}
        ref_ms = None
        for name, make in arms.items():
            t0 = time.perf_counter()
            rate = xor_rate(lambda make=make: make(2, 2, 4), XOR_SEEDS, 1000)
            accs = digits_acc(lambda make=make: make(32, 10, 32), DIGITS_SEEDS)
            ms = fwd_bwd_ms(make(256, 1000, 512), x_big)
            ref_ms = ref_ms or ms
            acc = mean_std(accs)
            raw[name] = {
                "xor_rate": rate,
                "digits_acc": acc,
                "fwd_bwd_ms": ms,
                "wall_s": time.perf_counter() - t0,
            }
            for seed, a in zip(DIGITS_SEEDS, accs, strict=True):
                res.add_seed(seed, {"digits_acc": a}, study=name)
            rows.append([name, rate, acc, f"{ms:.1f}", f"{ms / ref_ms:.2f}x"])
            print(name, raw[name], flush=True)
    res.data = {"peer": f"verskyt {verskyt.__version__}", "threads": args.threads, "results": raw}
    res.add_table("peers", COLUMNS, rows)
    res.wall_time_s = round(time.perf_counter() - start, 2)
    res.hardware, res.versions, res.date = hardware_label("cpu"), environment("cpu"), today()
    res.write(args.out)


if __name__ == "__main__":
    main()
