"""Speed of AnyLoss against BCE (the loss it replaces) and a peer soft-Dice loss, printed as ratios.

Writes ``results/bench.json`` (table ``bench``: loss forward+backward and one training step, time relative to
BCE) and ``results/peers.json`` (table ``peer``: AnyLoss-F1 against MONAI's ``DiceLoss`` -- the most used
soft-F1 loss on PyPI that installs without torchvision -- trained on the same folds of the paper's synthetic
dataset). Needs ``pip install "anyloss[reproduce]"``; MONAI is optional (``pip install "anyloss[peers]"``):
without it the peer rows say so.

    python packages/anyloss/benchmarks/bench_anyloss.py [--device cpu|cuda] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import anyloss
from anyloss.reproduce import PRESETS
from anyloss.reproduce.data import cv_folds, load_dataset
from anyloss.reproduce.ensemble import PAPER_MLP, train_cell
from paperzoo_shared.bench import Comparison, ratio_table, time_fn, write_bench
from paperzoo_shared.results import Results, environment, hardware_label, markdown_table, mean_std, today
from paperzoo_shared.runner import threads

RESULTS = Path(__file__).resolve().parents[1] / "results"


def monai_dice():
    """MONAI's DiceLoss (sigmoid, soft Dice = un-amplified soft F1), or None when MONAI is not installed."""
    try:
        from monai.losses import DiceLoss
    except ImportError:
        return None
    return DiceLoss(sigmoid=True)


def loss_speed(device: str, quick: bool) -> list[Comparison]:
    comps = []
    dice = monai_dice()
    sizes = [1_000, 100_000] if quick else [1_000, 100_000, 1_000_000]
    for n in sizes:
        g = torch.Generator().manual_seed(0)
        z = (torch.randn(n, generator=g) * 2).to(device).requires_grad_()
        y = (torch.rand(n, generator=g) < 0.1).float().to(device)
        n1 = y.sum()
        pos_weight = (n - n1) / n1
        fns = {
            "BCE": lambda: F.binary_cross_entropy_with_logits(z, y),
            "class-weighted BCE": lambda: F.binary_cross_entropy_with_logits(z, y, pos_weight=pos_weight),
            "AnyLoss-F1": lambda: anyloss.anyloss(z, y, "f1", validate_args=False),
            "AnyLoss-F1 (validate_args=True)": lambda: anyloss.anyloss(z, y, "f1"),
            "AnyLoss-BAcc": lambda: anyloss.anyloss(z, y, "balanced_accuracy", validate_args=False),
            "soft-F1 without A (L=None)": lambda: anyloss.anyloss(z, y, "f1", L=None, validate_args=False),
        }
        if dice is not None:
            fns["MONAI DiceLoss (peer)"] = lambda: dice(z.view(1, 1, -1), y.view(1, 1, -1))
        comp = Comparison(task=f"loss fwd+bwd, N={n:,}", reference="BCE")
        for name, fn in fns.items():

            def step(fn=fn):
                z.grad = None
                fn().backward()

            comp.add(name, time_fn(step, warmup=5, repeat=20 if n <= 100_000 else 10, device=device))
        comps.append(comp)
    # one training step of a 3x256 MLP at batch 4096 (the spec's GPU setting; also meaningful on a CPU)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 1),
    ).to(device)
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(4096, 20, device=device)
    y = (torch.rand(4096, device=device) < 0.1).float()
    losses = {
        "BCE": lambda o: F.binary_cross_entropy_with_logits(o, y),
        "AnyLoss-F1": lambda o: anyloss.anyloss(o, y, "f1", validate_args=False),
        "AnyLoss-BAcc": lambda o: anyloss.anyloss(o, y, "balanced_accuracy", validate_args=False),
    }
    comp = Comparison(task="train step, 3x256 MLP, batch 4096", reference="BCE")
    for name, fn in losses.items():

        def train_step(fn=fn):
            opt.zero_grad(set_to_none=True)
            fn(model(x).squeeze(-1)).backward()
            opt.step()

        comp.add(name, time_fn(train_step, warmup=3, repeat=10 if quick else 30, device=device))
    comps.append(comp)
    return comps


def peer_side_by_side(device: str, quick: bool) -> Results:
    """AnyLoss-F1 vs MONAI DiceLoss vs BCE: the paper MLP on the same 5 folds of the synthetic set (one seed)."""
    cfg = dataclasses.replace(
        PRESETS["cpu"].studies["synthetic"], epochs=30 if quick else 100, n=3000 if quick else 10_000
    )
    X, y = load_dataset("synthetic", cfg.n)
    folds = cv_folds(y, cfg.n_splits, [0])
    dev = torch.device(device)
    candidates: dict[str, object] = {
        "BCE": "bce",
        "AnyLoss-F1 (L=73)": "anyloss_f1",
        "soft-F1 without A (ours, L=None)": "pure_f1",
    }
    dice = monai_dice()
    if dice is not None:
        peer = type(dice)(sigmoid=True, reduction="sum")  # per-model Dice over its batch, summed over models
        candidates["MONAI DiceLoss (peer)"] = lambda logits, yb: peer(logits[:, None, :], yb[:, None, :])
    hw = hardware_label(device)
    res = Results(
        package="anyloss",
        version=anyloss.__version__,
        kind="peers",
        preset="peers",
        config={"synthetic": dataclasses.asdict(cfg)},
        seeds=[0],
        device=str(dev),
        hardware=hw,
        versions=environment(device),
        date=today(),
    )
    rows = []
    seconds = {}
    start = time.perf_counter()
    for name, loss in candidates.items():
        torch.manual_seed(0)
        scores, sec = train_cell(
            X,
            y,
            folds,
            loss,  # type: ignore[arg-type]
            PAPER_MLP,
            epochs=cfg.epochs,
            batch_frac=cfg.batch_frac,
            L=cfg.L,
            device=dev,
            init_seed=0,
        )
        seconds[name] = sec
        for s in scores:
            res.add_seed(s["seed"], {"loss": name, "fold": s["fold"], "f1": s["f1"], "bacc": s["bacc"]})
        rows.append([name, mean_std([s["f1"] for s in scores]), mean_std([s["bacc"] for s in scores])])
    for row in rows:
        row.append(f"{seconds[row[0]] / seconds['BCE']:.2f}x")
    if dice is None:
        rows.append(["MONAI DiceLoss (peer)", "not installed: pip install monai", None, None])
    columns = [
        "loss (paper MLP, synthetic, 1 seed x 5 folds)",
        "test F1",
        "test balanced acc.",
        "time/epoch vs BCE",
        "hardware",
    ]
    res.add_table("peer", columns, [[*r, hw] for r in rows])
    res.wall_time_s = round(time.perf_counter() - start, 2)
    print(markdown_table(columns, res.tables["peer"]["rows"]))
    return res


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (seconds)")
    parser.add_argument("--out-dir", default=str(RESULTS))
    args = parser.parse_args()
    out = Path(args.out_dir)
    # a shared 2-core box: 2 intra-op threads only measured contention (restored afterwards)
    with threads(1 if args.device == "cpu" else None):
        comps = loss_speed(args.device, args.quick)
        print(ratio_table(comps))
        write_bench(
            out / "bench.json", comps, device=args.device, package="anyloss", version=anyloss.__version__
        )
        peer_side_by_side(args.device, args.quick).write(out / "peers.json")


if __name__ == "__main__":
    main()
