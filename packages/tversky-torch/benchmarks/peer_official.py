"""Black-box check against the official ``tversky`` package (issue #22 review).

The official library (PyPI ``tversky``, import ``tversky.nn``) is under Stanford's non-commercial research licence,
which claims derivative works: tversky-torch never depends on it, copies nothing from it and never imports it outside
this script. Here it is only *called*, as an oracle: its layer is built with its own constructor, our layer is given
the same initial values (prototypes, feature bank, alpha, beta, theta, copied from its public parameters), and the
two are compared on the same inputs.

1. Fixed parameters, float32 (the official code builds its masks in float32, so it does not run in float64):
   outputs and gradients (inputs, prototypes, features, alpha, beta, theta), each as the largest difference
   relative to the largest official value, on signed and on non-negative inputs, for the settings both implement alike (contrast product / ignorematch, the
   official default; product / ``substractmatch``, our ``subtractmatch_aggregate``; ratio product / ignorematch,
   our ``ratio_eps=1``; contrast mean / ignorematch).
2. Training, float32: the digits head swap end to end (MLP backbone + head, the ``digits`` study's training at the
   spec's lr 1e-3, 30 epochs) with the official default U[0, 1) init, on the ReLU (non-negative) and on the signed
   embedding, the official head vs ours started from the same values, a few seeds.

Needs ``pip install "tversky-torch[reproduce,peers]"`` (or ``pip install tversky`` beside ``tversky-torch[reproduce]``);
without the official package it prints why and exits 0 without writing anything. Writes
``results/peers_official.json`` (a ``peers`` results file, tables ``official_equivalence`` and ``official_digits``).
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from paperzoo_shared import Results, mean_std, seed_everything
from paperzoo_shared.results import environment, hardware_label, today
from paperzoo_shared.runner import threads
from tversky_torch import TverskyProjection, __version__
from tversky_torch.reproduce import PRESETS
from tversky_torch.reproduce.mlp import EMBED, backbone, digits_split, fit

# (official similarity_model, intersection_reduction, difference_reduction) -> our options for the same function
SETTINGS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("contrast", "product", "ignorematch"): dict(
        model="contrast", intersection="product", difference="ignorematch"
    ),
    ("contrast", "product", "substractmatch"): dict(
        model="contrast", intersection="product", difference="subtractmatch_aggregate"
    ),
    ("ratio", "product", "ignorematch"): dict(
        model="ratio", intersection="product", difference="ignorematch"
    ),
    ("contrast", "mean", "ignorematch"): dict(
        model="contrast", intersection="mean", difference="ignorematch"
    ),
}
SCALARS = ("alpha", "beta", "theta")
DIGITS_SEEDS = [0, 1, 2]


def official_projection(d: int, m: int, k: int, setting: tuple[str, str, str]) -> nn.Module:
    """The official layer, built through its public constructor only."""
    from tversky.nn import TverskyProjection as Official

    model, inter, diff = setting
    return Official(d, m, k, model, False, intersection_reduction=inter, difference_reduction=diff)


def official_tensors(layer: nn.Module) -> dict[str, torch.Tensor]:
    """The official layer's parameters by role, read from its public ``named_parameters`` (an embedding's weight
    of shape (m, d) holds the prototypes, of shape (K, d) the features; the scalars are alpha, beta, theta)."""
    params = dict(layer.named_parameters())
    out: dict[str, torch.Tensor] = {name: params[name] for name in SCALARS}
    out["prototypes"] = next(p for n, p in params.items() if n.startswith("prototypes"))
    out["features"] = next(p for n, p in params.items() if n.startswith("feature_bank"))
    return out


def ours_like(official: nn.Module, d: int, m: int, k: int, options: dict[str, Any]) -> TverskyProjection:
    """Our layer with the official layer's current values (same dtype)."""
    src = official_tensors(official)
    ours = TverskyProjection(d, m, k, **options).to(src["prototypes"].dtype)
    assert isinstance(ours.prototypes, nn.Parameter) and isinstance(ours.feature_bank, nn.Parameter)
    with torch.no_grad():
        ours.prototypes.copy_(src["prototypes"])
        ours.feature_bank.copy_(src["features"])
        for name in SCALARS:
            getattr(ours, name).copy_(src[name])
    return ours


def compare_fixed(setting: tuple[str, str, str], signed: bool, seed: int = 0) -> dict[str, float]:
    """Largest |official - ours| of the outputs and of every gradient, relative to the largest |official| value of
    that tensor, or of the output where that tensor is 0 (float32, same values, same inputs)."""
    n, d, m, k = 32, 16, 10, 24
    torch.manual_seed(seed)
    off = official_projection(d, m, k, setting)
    ours = ours_like(off, d, m, k, SETTINGS[setting])
    x = torch.randn(n, d)
    x = x if signed else torch.relu(x)
    w = torch.randn(n, m)  # a random linear read-out, so every output gets its own gradient
    out: dict[str, float] = {}
    grads: dict[str, dict[str, torch.Tensor | None]] = {}
    for name, layer in (("official", off), ("ours", ours)):
        xi = x.clone().requires_grad_(True)
        y = layer(xi)
        (y * w).sum().backward()
        if name == "official":
            t = official_tensors(layer)
            g = {"prototypes": t["prototypes"].grad, "features": t["features"].grad}
            g.update({s: t[s].grad for s in SCALARS})
        else:
            assert isinstance(ours.prototypes, nn.Parameter) and isinstance(ours.feature_bank, nn.Parameter)
            g = {"prototypes": ours.prototypes.grad, "features": ours.feature_bank.grad}
            g.update({s: getattr(ours, s).grad for s in SCALARS})
        grads[name] = {"output": y.detach(), "input grad": xi.grad, **g}
    y_off = grads["official"]["output"]
    assert y_off is not None
    scale = float(y_off.abs().max())
    for key in grads["official"]:
        a, b = grads["official"][key], grads["ours"][key]
        if a is None or b is None:
            out[key] = float("nan")
            continue
        # relative to the tensor's largest official value; to the output's where that is 0 (beta's gradient on
        # non-negative inputs: D(p, x) vanishes, ours is its round-off from the fused one-GEMM form)
        ref = float(a.abs().max()) or scale
        out[key] = float((a - b).abs().max()) / ref
    out["output scale"] = scale
    return out


def train_pair(seed: int, relu: bool) -> dict[str, float]:
    """Digits head swap end to end with the official head and ours, from the same initial values; test acc %."""
    cfg = PRESETS["cpu"].studies["digits"]
    data = digits_split(seed, torch.device("cpu"))
    seed_everything(seed)
    body = backbone(relu)
    off = official_projection(EMBED, 10, cfg.features, ("contrast", "product", "ignorematch"))
    ours = ours_like(off, EMBED, 10, cfg.features, SETTINGS[("contrast", "product", "ignorematch")])
    acc: dict[str, float] = {}
    for name, head in (("official", off), ("ours", ours)):
        model = nn.Sequential(copy.deepcopy(body), head)
        acc[name] = fit(model, model.parameters(), data, cfg, seed, lr=cfg.lr)
    return acc


def cell(value: float) -> str:
    """A relative difference for the table; NaN where one layer has no gradient (theta in the ratio model)."""
    return "n/a (unused)" if value != value else f"{value:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "results" / "peers_official.json")
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    try:
        import tversky
        import tversky.nn  # noqa: F401
    except ImportError:
        print(
            "skipped: the official `tversky` package is not installed. It is never a dependency of tversky-torch "
            "(Stanford non-commercial research licence); install it with `pip install tversky` (or the `peers` "
            "extra) to run this black-box check. Nothing written."
        )
        return
    version = getattr(tversky, "__version__", "?")
    res = Results(
        package="tversky-torch",
        version=__version__,
        kind="peers",
        preset="peers_official",
        config={"threads": args.threads, "digits_seeds": DIGITS_SEEDS, "official": f"tversky {version}"},
        seeds=DIGITS_SEEDS,
    )
    start = time.perf_counter()
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    keys = ["output", "input grad", "prototypes", "features", *SCALARS]
    with threads(args.threads):
        for setting in SETTINGS:
            for signed in (True, False):
                diffs = compare_fixed(setting, signed)
                label = f"{'/'.join(setting)}, {'signed' if signed else 'non-negative'} inputs"
                raw[label] = diffs
                rows.append([label, f"{diffs['output scale']:.3g}", *(cell(diffs[k]) for k in keys)])
                print(label, diffs, flush=True)
        digit_rows = []
        for relu in (True, False):
            accs: dict[str, list[float]] = {"official": [], "ours": []}
            for seed in DIGITS_SEEDS:
                acc = train_pair(seed, relu)
                for name, a in acc.items():
                    accs[name].append(a)
                res.add_seed(seed, acc, study="relu embedding" if relu else "signed embedding")
            gap = max(abs(a - b) for a, b in zip(accs["official"], accs["ours"], strict=True))
            label = "ReLU (non-negative) embedding" if relu else "signed embedding (no final ReLU)"
            raw[label] = accs
            digit_rows.append([label, mean_std(accs["official"]), mean_std(accs["ours"]), f"{gap:.2f}"])
            print(label, accs, flush=True)
    res.add_table(
        "official_equivalence",
        [
            "official setting, inputs (float32, same values)",
            "largest output magnitude",
            *(f"rel. diff {k}" for k in keys),
        ],
        rows,
    )
    res.add_table(
        "official_digits",
        [
            "digits end to end, head init U[0,1) (official default), lr 1e-3, 30 epochs, same initial values",
            f"official tversky {version} test accuracy %",
            "tversky-torch test accuracy %",
            "largest per-seed gap (points)",
        ],
        digit_rows,
    )
    res.data = {"official": f"tversky {version}", "threads": args.threads, "results": raw}
    res.wall_time_s = round(time.perf_counter() - start, 2)
    res.hardware, res.versions, res.date = hardware_label("cpu"), environment("cpu"), today()
    res.write(args.out)


if __name__ == "__main__":
    main()
