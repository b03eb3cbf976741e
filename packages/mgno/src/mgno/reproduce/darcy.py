"""Study ``darcy``: MgNO vs neuraloperator's FNO vs a U-Net on piecewise-constant Darcy flow at 33x33 (CPU
scale of the paper's Table 1), at matched parameter budgets, same data, loss, optimiser and schedule for all.

Protocol (the spec's Planner's note, pinned in ``tests/test_protocol.py``): ``pde_data`` ``darcy_2d`` at 65x65
nodes (a in {12, 3}, f = 1, zero Dirichlet), every second node kept (33x33), samples 0..799 of data seed 0 split
600 / 100 / 100 (train / val / test); pointwise Gaussian normalisers of a and u fitted on train; Adam lr 1e-3,
weight decay 1e-4, OneCycle (div 2, final div 100, warm-up 20 %, stepped per epoch), batch 16, relative H1 loss,
45 epochs; test relative L2 and H1 at the best-validation-L2 epoch. Pass: the seed mean of MgNO's test rel-L2 is
below the lower of FNO's and the U-Net's. MgNO vs FNO is reported as its own row; the train/test gap of each model
is in the table.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mgno.losses import rel_h1, rel_l2
from mgno.models import MgNO, count_parameters
from mgno.normalizers import Normalized, PointwiseGaussianNormalizer
from mgno.reproduce.baselines import UNet, fno
from mgno.train import evaluate, fit
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot, threads

MODELS = ("mgno", "fno", "unet")
LABELS = {"mgno": "MgNO", "fno": "FNO (neuraloperator)", "unet": "U-Net"}
PAPER = (
    "MgNO has the lowest test rel-L2 of all baselines (FNO, U-NO, MWT, GT, LSM, U-Net, DilResNet) on Darcy "
    "(Table 1, 211x211, 500 epochs; values not verified here)"
)


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 65  # pde_data grid nodes per side
    subsample: int = 2  # keep every subsample-th node: 65 -> 33
    n_train: int = 600
    n_val: int = 100
    n_test: int = 100
    data_seed: int = 0
    width: int = 16
    n_layers: int = 4
    levels: tuple[tuple[int, int], ...] = ((1, 0), (1, 0), (1, 0), (2, 0))
    fno_modes: int = 12
    fno_hidden: int = 16
    fno_layers: int = 4
    unet_widths: tuple[int, ...] = (16, 32, 64)
    epochs: int = 45
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    loss: str = "h1"
    models: tuple[str, ...] = MODELS
    threads: int | None = 1  # one torch thread: stable timings on a shared 2-core machine
    checkpoint_dir: str | None = None  # per-(model, seed) checkpoints: an interrupted run resumes there

    def __post_init__(self) -> None:
        for name in (
            "size",
            "subsample",
            "n_train",
            "n_val",
            "n_test",
            "width",
            "n_layers",
            "epochs",
            "batch_size",
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"darcy.{name} must be a positive int, got {v!r}")
        if self.n_train < 2:
            raise ValueError(f"darcy.n_train must be >= 2 (the normalisers need it), got {self.n_train}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"darcy.lr must be positive, got {self.lr!r}")
        if self.loss not in ("h1", "l2"):
            raise ValueError(f"darcy.loss must be 'h1' or 'l2', got {self.loss!r}")
        unknown = [m for m in self.models if m not in MODELS]
        if unknown or "mgno" not in self.models or len(self.models) < 2:
            raise ValueError(
                f"darcy.models must include 'mgno' and a baseline from {MODELS}, got {self.models!r}"
            )


def load_data(cfg: Config) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The train / val / test splits as (N, 1, H, W) float32 tensors (a, u)."""
    import pde_data

    n = cfg.n_train + cfg.n_val + cfg.n_test
    ds = pde_data.generate("darcy_2d", n, seed=cfg.data_seed, size=cfg.size, n_train=cfg.n_train)
    if cfg.subsample > 1:
        ds = ds.subsample(cfg.subsample)
    a = torch.as_tensor(np.asarray(ds["a"], dtype=np.float32))[:, None]
    u = torch.as_tensor(np.asarray(ds["u"], dtype=np.float32))[:, None]
    cut = np.cumsum([cfg.n_train, cfg.n_val])
    return {
        "train": (a[: cut[0]], u[: cut[0]]),
        "val": (a[cut[0] : cut[1]], u[cut[0] : cut[1]]),
        "test": (a[cut[1] :], u[cut[1] :]),
    }


def build(name: str, cfg: Config) -> torch.nn.Module:
    if name == "mgno":
        return MgNO(in_channels=1, out_channels=1, width=cfg.width, n_layers=cfg.n_layers, levels=cfg.levels)
    if name == "fno":
        return fno(n_modes=cfg.fno_modes, hidden=cfg.fno_hidden, n_layers=cfg.fno_layers)
    return UNet(1, 1, cfg.unet_widths)


def train_one(name: str, cfg: Config, data: dict, seed: int, device: Any) -> dict[str, Any]:
    """Train model ``name`` on one seed; the test metrics at the best-validation epoch and the curves."""
    torch.manual_seed(seed)
    net = build(name, cfg)
    x_norm = PointwiseGaussianNormalizer().fit(data["train"][0])
    y_norm = PointwiseGaussianNormalizer().fit(data["train"][1])
    model = Normalized(net, x_norm, y_norm).to(device)
    on = {k: (x.to(device), y.to(device)) for k, (x, y) in data.items()}
    ckpt = Path(cfg.checkpoint_dir) / f"darcy-{name}-seed{seed}.pt" if cfg.checkpoint_dir else None
    t0 = time.perf_counter()
    hist = fit(
        model,
        on["train"],
        on["val"],
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        loss=cfg.loss,
        seed=seed,
        checkpoint=ckpt,
    )
    seconds = time.perf_counter() - t0
    test = evaluate(model, *on["test"])
    train = evaluate(model, *on["train"])
    return {
        "test_l2": test["l2"],
        "test_h1": test["h1"],
        "train_l2": train["l2"],
        "best_epoch": hist.best_epoch + 1,
        "s_per_epoch": float(np.median(hist.epoch_seconds)) if hist.epoch_seconds else float("nan"),
        "train_seconds": seconds,
        "params": count_parameters(net),
        "val_l2_curve": hist.val_l2,
    }


def trivial_l2(data: dict) -> float:
    """Test rel-L2 of predicting the training mean field (the level of a model that learned nothing)."""
    mean = data["train"][1].mean(0, keepdim=True)
    y = data["test"][1]
    return rel_l2(mean.expand_as(y), y).item()


def run(cfg: Config, ctx: Context) -> None:
    data = load_data(cfg)
    res: dict[str, list[dict[str, Any]]] = {m: [] for m in cfg.models}
    with threads(cfg.threads):
        for seed in ctx.progress(ctx.seeds):
            metrics: dict[str, Any] = {}
            for name in cfg.models:
                out = train_one(name, cfg, data, seed, ctx.device)
                res[name].append(out)
                metrics.update({f"{name}.{k}": v for k, v in out.items() if k != "val_l2_curve"})
            ctx.add_seed(seed, metrics)
    ms = {
        m: {k: mean_std([r[k] for r in res[m]]) for k in ("test_l2", "test_h1", "train_l2")}
        for m in cfg.models
    }
    for m in cfg.models:
        ctx.set_summary(f"{m}.test_l2", ms[m]["test_l2"])
        ctx.set_summary(f"{m}.test_h1", ms[m]["test_h1"])
    ctx.set_data("val_l2_curves", {m: [r["val_l2_curve"] for r in res[m]] for m in cfg.models})
    ctx.set_data("trivial_l2", trivial_l2(data))
    ctx.set_paper("claim", PAPER)
    h, w = data["test"][1].shape[-2:]
    setting = f"Darcy {h}x{w} (CPU-scale, {cfg.n_train} train, {cfg.epochs} epochs)"
    baselines = [m for m in cfg.models if m != "mgno"]
    best = min(baselines, key=lambda m: ms[m]["test_l2"]["mean"])
    ctx.set_baseline("best_baseline", LABELS[best])
    ctx.add_row(
        f"{setting}: MgNO vs best baseline ({LABELS[best]})",
        "test rel-L2",
        ms["mgno"]["test_l2"],
        paper=PAPER,
        baseline=ms[best]["test_l2"],
    )
    for m in baselines:
        ctx.add_row(
            f"{setting}: MgNO vs {LABELS[m]}", "test rel-L2", ms["mgno"]["test_l2"], baseline=ms[m]["test_l2"]
        )
    ctx.add_row(
        f"{setting}: MgNO vs best baseline ({LABELS[best]})",
        "test rel-H1",
        ms["mgno"]["test_h1"],
        baseline=ms[best]["test_h1"],
    )
    rows = []
    for m in cfg.models:
        r = res[m]
        rows.append(
            [
                LABELS[m],
                r[0]["params"],
                ms[m]["test_l2"],
                ms[m]["test_h1"],
                ms[m]["train_l2"],
                mean_std([x["test_l2"] / x["train_l2"] for x in r]),
                mean_std([x["s_per_epoch"] for x in r]),
                mean_std([x["best_epoch"] for x in r]),
            ]
        )
    ctx.add_table(
        "darcy",  # accuracy, train/test gap, parameters and time (mean ± std over seeds)
        [
            "model",
            "parameters",
            "test rel-L2",
            "test rel-H1",
            "train rel-L2",
            "test/train L2",
            "s/epoch",
            "best epoch",
        ],
        rows,
    )
    mg, bl = ms["mgno"]["test_l2"]["mean"], ms[best]["test_l2"]["mean"]
    ctx.add_criterion(
        "MgNO's mean test rel-L2 is below the best baseline's",
        bool(mg < bl),
        f"MgNO {mg:.4f} vs {LABELS[best]} {bl:.4f} (ratio {mg / bl:.2f}); "
        + ", ".join(f"{LABELS[m]} {ms[m]['test_l2']['mean']:.4f}" for m in baselines),
    )


def draw(ctx: Context) -> None:
    curves = ctx.get_data("val_l2_curves")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for m, runs in curves.items():
        arr = np.array(runs, dtype=float)
        x = np.arange(1, arr.shape[1] + 1)
        ax.plot(x, arr.mean(0), label=LABELS.get(m, m))
        if arr.shape[0] > 1:
            ax.fill_between(x, arr.min(0), arr.max(0), alpha=0.2)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation rel-L2")
    ax.legend()
    ax.grid(alpha=0.3)
    ctx.save_figure(fig, "val_curves", "Validation relative L2 per epoch (mean over seeds, band: min-max).")


__all__ = ["Config", "draw", "load_data", "rel_h1", "run"]
