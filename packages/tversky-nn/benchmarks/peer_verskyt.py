"""Side by side with the ``verskyt`` package (MIT licence; ``pip install 'tversky-nn[peer]'``).

Same data, one run: XOR convergence of one layer (K=4, lr 0.1, 1000 Adam steps, 20 seeds), the digits
head swap (MLP backbone + head, end to end, 3 seeds) and forward+backward time at n=1024, d=256, m=1000, K=512.
Writes ``results/peer.json`` (table ``peer``) for the README.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch import nn

from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.bench import time_fn
from paperzoo_shared.results import _jsonable, environment, hardware_label
from tversky_nn import TverskyProjection
from tversky_nn.data.xor import xor_dataset
from tversky_nn.reproduce import PRESETS, _backbone, _digits_data, _fit, _train_stacked


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
        conv, _ = _train_stacked(layers, [0.1] * len(layers), x, y, steps=steps)
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


def digits_acc(make_head: object, seeds: list[int]) -> dict[str, float]:
    cfg = PRESETS["cpu"]
    accs = []
    for seed in seeds:
        data = _digits_data(seed, torch.device("cpu"))
        seed_everything(seed)
        model = nn.Sequential(_backbone(), make_head())  # type: ignore[operator]
        accs.append(_fit(model, model.parameters(), data, cfg, seed))
    return mean_std(accs)


def fwd_bwd_ms(layer: nn.Module, x: torch.Tensor) -> float:
    def step() -> None:
        layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()

    # one warm-up call and one timed call: verskyt's default per-feature path takes minutes per call here
    return time_fn(step, warmup=1, repeat=1).median * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peer.json"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import verskyt

    seeds20, seeds3 = list(range(20)), [0, 1, 2]
    arms = {
        "tversky-nn (contrast, product/ignorematch, U[0,1) init)": lambda d, m, k: TverskyProjection(d, m, k),
        "tversky-nn (contrast, product/ignorematch, N(0,1/d) init)": lambda d, m, k: TverskyProjection(
            d, m, k, init="normal"
        ),
        "verskyt 0.2.4 defaults (ratio, product/substractmatch, xavier init)": lambda d, m, k: verskyt_layer(
            d, m, k
        ),
        "verskyt 0.2.4 product/ignorematch, uniform init": lambda d, m, k: verskyt_layer(
            d, m, k, difference_reduction="ignorematch", prototype_init="uniform", feature_init="uniform"
        ),
    }
    torch.manual_seed(0)
    x_big = torch.randn(1024, 256)
    rows, raw = [], {}
    ref_ms = None
    for name, make in arms.items():
        t0 = time.perf_counter()
        rate = xor_rate(lambda make=make: make(2, 2, 4), seeds20, 1000)
        acc = digits_acc(lambda make=make: make(32, 10, 32), seeds3)
        ms = fwd_bwd_ms(make(256, 1000, 512), x_big)
        ref_ms = ref_ms or ms
        raw[name] = {
            "xor_rate": rate,
            "digits_acc": acc,
            "fwd_bwd_ms": ms,
            "wall_s": time.perf_counter() - t0,
        }
        rows.append([name, rate, acc, f"{ms:.1f}", f"{ms / ref_ms:.2f}x"])
        print(name, raw[name], flush=True)
    hw = hardware_label("cpu")
    data = {
        "kind": "peer comparison",
        "peer": f"verskyt {verskyt.__version__}",
        "hardware": hw,
        "threads": args.threads,
        "versions": environment("cpu"),
        "date": time.strftime("%Y-%m-%d"),
        "results": raw,
        "tables": {
            "peer": {
                "columns": [
                    "implementation",
                    "XOR convergence (K=4, lr 0.1, 20 seeds)",
                    "digits accuracy % (end to end, 3 seeds)",
                    "fwd+bwd ms (n 1024, d 256, m 1000, K 512)",
                    "time / tversky-nn",
                ],
                "rows": [[*r] for r in rows],
            }
        },
    }
    Path(args.out).write_text(json.dumps(_jsonable(data), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
