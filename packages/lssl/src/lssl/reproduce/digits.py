"""Study ``digits``: sequential and permuted digits (scikit-learn's 8x8 digits as length-64 pixel sequences, a
stand-in for sMNIST / pMNIST, Table 1): LSSL-f LegS vs random A, and the learned-A / learned-dt LSSL; and, on
the same sequential LegS model, timescale adaptation (Table 4): the test images at half the sampling rate with
dt x 2 vs unchanged dt. Every seed of the run (or the first ``n_seeds``); the learned-A model trains on the
first ``learned_n_seeds`` of those. Draws the training loss per epoch.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lssl.layer import param_groups
from lssl.model import DeepLSSL
from lssl.reproduce.common import (
    accuracy,
    check_choice,
    check_ints,
    check_optional_count,
    check_positive,
    draw_curves,
    n_params,
    train_steps,
)
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.data import sequential_digits
from paperzoo_shared.runner import Context, threads

KINDS = ("lssl_legs", "lssl_random", "lssl_learned")
# the runs of one seed: (name, model kind, permuted); seq_learned only on the learned-A seeds
RUNS = (
    ("seq_legs", "lssl_legs", False),
    ("perm_legs", "lssl_legs", True),
    ("perm_random", "lssl_random", True),
    ("seq_learned", "lssl_learned", False),
)
LABELS = {
    "seq_legs": "sequential, LegS",
    "perm_legs": "permuted, LegS",
    "perm_random": "permuted, random A",
    "seq_learned": "sequential, learned A + dt",
}


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 8  # image side (> 8: bilinear upsampling, L = size**2)
    H: int = 64  # d_model
    N: int = 64  # d_state
    layers: int = 4
    epochs: int = 40
    batch: int = 50
    lr: float = 4e-3  # AdamW, cosine schedule
    dropout: float = 0.1
    pool: str = "mean"
    dt_min: float = 1e-3
    dt_max: float = 1e-1
    acc_min: float = 0.94  # criterion: LSSL-f sequential and permuted mean accuracy >= acc_min
    perm_gap_min: float = 0.03  # criterion: permuted LegS >= random A + perm_gap_min
    learned_tol: float = 0.01  # criterion: learned A + dt >= LSSL-f - learned_tol
    n_seeds: int | None = None  # the first n_seeds seeds of the run (None: all)
    learned_n_seeds: int | None = None  # the learned-A model on the first of those (None: all of them)
    threads: int | None = 1  # torch threads during the study (restored); None: the runner's (--threads)

    def __post_init__(self) -> None:
        check_ints("digits", self, ("size",), minimum=8)
        check_ints("digits", self, ("H", "N", "layers", "epochs", "batch"))
        check_positive("digits", self, ("lr", "dt_min", "dt_max"))
        if self.dt_max < self.dt_min:
            raise ValueError(f"digits.dt_max must be >= digits.dt_min={self.dt_min}, got {self.dt_max}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"digits.dropout must be in [0, 1), got {self.dropout!r}")
        check_choice("digits", "pool", self.pool, ("mean", "last"))
        if self.learned_tol < 0:
            raise ValueError(f"digits.learned_tol must be >= 0, got {self.learned_tol!r}")
        check_optional_count("digits", self, ("n_seeds", "learned_n_seeds", "threads"))
        if None not in (self.n_seeds, self.learned_n_seeds) and self.learned_n_seeds > self.n_seeds:  # type: ignore[operator]
            raise ValueError(
                f"digits.learned_n_seeds must be <= digits.n_seeds={self.n_seeds}, got {self.learned_n_seeds}"
            )


def digits_model(kind: str, cfg: Config) -> nn.Module:
    """The 1-input DeepLSSL classifier: LegS or random A (fixed A and dt), or learned A (shared) and dt."""
    check_choice("digits", "model kind", kind, KINDS)
    kw: dict[str, Any] = {"measure": "legs", "learn_A": "fixed", "learn_dt": False}
    if kind == "lssl_random":
        kw["measure"] = "random"
    elif kind == "lssl_learned":
        kw.update(learn_A="shared", learn_dt=True)
    return DeepLSSL(
        d_input=1,
        d_model=cfg.H,
        n_layers=cfg.layers,
        d_output=10,
        d_state=cfg.N,
        pool=cfg.pool,
        dropout=cfg.dropout,
        prenorm=True,
        dt_min=cfg.dt_min,
        dt_max=cfg.dt_max,
        **kw,
    )


def train_digits(
    kind: str,
    cfg: Config,
    seed: int,
    device: Any,
    *,
    permute: bool,
    make: Callable[[str, Config], nn.Module] | None = None,
    timescale: bool = False,
) -> dict[str, Any]:
    """Train one model (``make(kind, cfg)``, by default :func:`digits_model`) with AdamW and a cosine schedule
    on the fixed split (seed 0; the permutation too); test accuracy, times, parameter count, the training loss
    per epoch, and with ``timescale`` the accuracy at half the sampling rate with dt x 2 and x 1."""
    seed_everything(seed)
    Xtr, ytr, Xte, yte = sequential_digits(permute=permute, seed=0, size=cfg.size)
    Xtr, ytr, Xte, yte = (t.to(device) for t in (Xtr, ytr, Xte, yte))
    model = (make or digits_model)(kind, cfg).to(device)
    opt = torch.optim.AdamW(param_groups(model, cfg.lr, 0.0), lr=cfg.lr)
    per_epoch = math.ceil(len(Xtr) / cfg.batch)
    steps = per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    g = torch.Generator().manual_seed(seed)
    order: list[torch.Tensor] = []

    def batches(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if step % per_epoch == 0:
            order[:] = [torch.randperm(len(Xtr), generator=g).to(device)]
        idx = order[0][(step % per_epoch) * cfg.batch : (step % per_epoch + 1) * cfg.batch]
        return Xtr[idx], ytr[idx]

    losses: list[float] = []
    wall = train_steps(
        model, opt, batches, steps, F.cross_entropy, sched, desc=f"digits {kind}", losses=losses
    )
    model.eval()
    out: dict[str, Any] = {
        "test_acc": accuracy(model, Xte, yte),
        "train_s": wall,
        "epoch_s": wall / cfg.epochs,
        "params": n_params(model),
        "loss_curve": [sum(losses[i : i + per_epoch]) / per_epoch for i in range(0, steps, per_epoch)],
    }
    if timescale:
        # the same images seen at half the sampling rate: every other pixel along the scan (length 32)
        Xd = Xte[:, ::2]
        out["acc_half_rate_dt_x2"] = accuracy(model, Xd, yte, rate=2.0)
        out["acc_half_rate_dt_x1"] = accuracy(model, Xd, yte, rate=1.0)
    return out


def run(cfg: Config, ctx: Context) -> None:
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    learned = seeds if cfg.learned_n_seeds is None else seeds[: cfg.learned_n_seeds]
    dig: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in RUNS}
    with threads(cfg.threads):
        n_threads = torch.get_num_threads()
        for seed in ctx.progress(seeds, desc="digits seeds"):
            metrics: dict[str, float] = {}
            for name, kind, permute in RUNS:
                if name == "seq_learned" and seed not in learned:
                    continue
                r = train_digits(kind, cfg, seed, ctx.device, permute=permute, timescale=name == "seq_legs")
                dig[name].append(r)
                metrics[f"digits_{name}_acc"] = r["test_acc"]
            metrics["timescale_dt_x2_acc"] = dig["seq_legs"][-1]["acc_half_rate_dt_x2"]
            metrics["timescale_dt_x1_acc"] = dig["seq_legs"][-1]["acc_half_rate_dt_x1"]
            ctx.add_seed(seed, metrics)
    acc = {k: mean_std(r["test_acc"] for r in v) for k, v in dig.items()}
    for k, v in acc.items():
        ctx.set_summary(k, v)
    ts = {f"dt_x{r}": mean_std(x[f"acc_half_rate_dt_x{r}"] for x in dig["seq_legs"]) for r in (2, 1)}
    for k, v in ts.items():
        ctx.set_summary(f"timescale.{k}", v)
    ctx.set_data(
        "loss_curves",
        {
            "seeds": list(seeds),
            "learned_seeds": list(learned),
            **{k: [r["loss_curve"] for r in v] for k, v in dig.items()},
        },
    )
    _report(cfg, ctx, acc, ts)
    ctx.add_note(f"digits seeds {list(seeds)}; learned-A seeds {list(learned)}; torch threads {n_threads}")


def _report(cfg: Config, ctx: Context, acc: dict[str, Any], ts: dict[str, Any]) -> None:
    for name, text in (
        ("smnist_lssl", "99.53 (sMNIST, LSSL, Table 1)"),
        ("pmnist_lssl", "98.76 (pMNIST, LSSL, Table 1)"),
        ("smnist_lssl_f", "99.50 (sMNIST, LSSL-f, Table 1)"),
        ("pmnist_lssl_f", "98.60 (pMNIST, LSSL-f, Table 1)"),
    ):
        ctx.set_paper(name, text)
    tag = f"digits L={cfg.size**2}, {cfg.epochs} epochs"
    ctx.add_row(
        f"sequential {tag}: LSSL-f LegS", "test acc", acc["seq_legs"], paper="sMNIST LSSL-f 99.50 (Table 1)"
    )
    ctx.add_row(
        f"permuted {tag}: LSSL-f LegS",
        "test acc",
        acc["perm_legs"],
        paper="pMNIST LSSL-f 98.60 (Table 1)",
        baseline=acc["perm_random"],
    )
    ctx.add_row(
        f"permuted {tag}: LSSL-f random A",
        "test acc",
        acc["perm_random"],
        paper="pMNIST random A ~62 (Sec. 5.3 ablation)",
    )
    ctx.add_row(
        f"sequential {tag}: LSSL learned A + dt",
        "test acc",
        acc["seq_learned"],
        paper="sMNIST LSSL 99.53 (Table 1)",
        baseline=acc["seq_legs"],
    )
    s, p, r, lrn = (acc[k]["mean"] for k in ("seq_legs", "perm_legs", "perm_random", "seq_learned"))
    ctx.add_criterion(
        f"digits: LSSL-f sequential and permuted acc >= {cfg.acc_min}",
        s >= cfg.acc_min and p >= cfg.acc_min,
        f"seq {s:.3f}, perm {p:.3f}",
    )
    ctx.add_criterion(
        f"permuted digits: LegS >= random A + {cfg.perm_gap_min:g}",
        p >= r + cfg.perm_gap_min,
        f"LegS {p:.3f}, random {r:.3f}",
    )
    ctx.add_criterion(
        f"learned A + dt >= LSSL-f - {cfg.learned_tol:g}",
        lrn >= s - cfg.learned_tol,
        f"learned {lrn:.3f}, fixed {s:.3f}",
    )
    ctx.add_row(
        "digits at half the sampling rate (L/2), dt x 2",
        "test acc",
        ts["dt_x2"],
        paper="SC rate 1->1/2: LSSL 88.66 (Table 4)",
        baseline=ts["dt_x1"],
    )
    ctx.add_row("digits at half the sampling rate (L/2), dt unchanged", "test acc", ts["dt_x1"])
    ctx.add_criterion(
        "timescale: dt x 2 beats unchanged dt on 2x downsampled input",
        ts["dt_x2"]["mean"] > ts["dt_x1"]["mean"],
        f"{ts['dt_x2']['mean']:.3f} vs {ts['dt_x1']['mean']:.3f}",
    )


def draw(ctx: Context) -> None:
    """Training loss per epoch of the four digits models, every seed (drawn when the run stored the curves)."""
    data = ctx.results.data.get(ctx.key("loss_curves"))
    if not data:
        return
    curves = {k: [list(enumerate(c, start=1)) for c in data.get(k, [])] for k in LABELS}
    colors = ("tab:blue", "tab:green", "tab:red", "tab:purple")
    draw_curves(
        ctx,
        "loss_curves",
        "Sequential and permuted digits: training loss per epoch, one line per seed and model",
        curves,
        {k: (label, c) for (k, label), c in zip(LABELS.items(), colors, strict=True)},
        xlabel="epoch",
        ylabel="training loss (cross-entropy, epoch mean)",
        title=f"digits, {len(data['seeds'])} seed(s)",
    )
