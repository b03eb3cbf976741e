"""Study ``digits``: does layer normalisation make an LSTM converge faster (the paper's claim for recurrent
networks, Figs. 2, 3, 5)? ``nn.LSTM`` vs ``LayerNormLSTM`` on permuted sequential digits (the paper has no
pixel-sequence task; this is an offline proxy), every seed of the run. Draws the training-loss curves."""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from layernorm.reproduce.common import KINDS, permuted_digits, train_digits
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot

METRICS = ("auc", "epochs_to_90", "test_acc")


@dataclasses.dataclass(frozen=True)
class Config:
    hidden: int = 128
    epochs: int = 15
    auc_epochs: int = 5  # the training-loss AUC sums the first auc_epochs epochs
    lr: float = 3e-3
    batch_size: int = 64
    clip: float = 1.0  # gradient-norm clipping
    train_subset: int = 0  # 0: all 1,400 training images, else the first train_subset
    max_acc_drop: float = 0.02  # criterion: LN-LSTM's test accuracy >= nn.LSTM's - max_acc_drop

    def __post_init__(self) -> None:
        for name in ("hidden", "epochs", "auc_epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"digits.{name} must be an int >= 1, got {value!r}")
        if self.auc_epochs > self.epochs:
            raise ValueError(
                f"digits.auc_epochs must be <= digits.epochs={self.epochs}, got {self.auc_epochs}"
            )
        if not self.lr > 0:
            raise ValueError(f"digits.lr must be > 0, got {self.lr}")
        if not self.clip > 0:
            raise ValueError(f"digits.clip must be > 0, got {self.clip}")
        if self.train_subset < 0:
            raise ValueError(f"digits.train_subset must be >= 0 (0: all), got {self.train_subset}")
        if self.max_acc_drop < 0:
            raise ValueError(f"digits.max_acc_drop must be >= 0, got {self.max_acc_drop}")


def run(cfg: Config, ctx: Context) -> None:
    data = permuted_digits()
    hyper = {k: getattr(cfg, k) for k in ("hidden", "epochs", "auc_epochs", "lr", "batch_size", "clip")}
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    timing = dict.fromkeys(KINDS, 0.0)
    for seed in ctx.progress(ctx.seeds):
        for kind in KINDS:
            t0 = time.perf_counter()
            out[kind].append(
                train_digits(kind, seed, data, ctx.device, train_subset=cfg.train_subset, **hyper)
            )
            timing[kind] += time.perf_counter() - t0
        ctx.add_seed(seed, {f"{k}: {m}": out[k][-1][m] for k in KINDS for m in METRICS})
    agg = {k: {m: mean_std([r[m] for r in v]) for m in METRICS} for k, v in out.items()}
    for k, d in agg.items():
        for m, v in d.items():
            ctx.set_summary(f"{k}: {m}", v)
    for m, v in agg["lstm"].items():
        ctx.set_baseline(f"nn.LSTM: {m}", v)
    ctx.set_data(
        "loss_curves",
        {"seeds": list(ctx.seeds), **{k: [r["loss_curve"] for r in v] for k, v in out.items()}},
    )
    _report(cfg, ctx, out, agg)
    ctx.add_note(f"training wall time (s): nn.LSTM {timing['lstm']:.1f}, LN-LSTM {timing['ln-lstm']:.1f}")


def _report(
    cfg: Config, ctx: Context, out: dict[str, list[dict[str, Any]]], agg: dict[str, dict[str, Any]]
) -> None:
    n = len(ctx.seeds)
    setting = f"permuted sequential digits (T=64), hidden {cfg.hidden}, Adam {cfg.lr}, {cfg.epochs} epochs"
    ctx.add_row(
        setting,
        f"training-loss AUC, first {cfg.auc_epochs} epochs (lower = faster)",
        agg["ln-lstm"]["auc"],
        paper="faster convergence with LN (Figs. 2, 3, 5; no pixel-sequence task in the paper)",
        baseline=agg["lstm"]["auc"],
    )
    # a seed that never reaches 90% has NaN epochs: average the seeds that do and count them
    reached = {k: [r["epochs_to_90"] for r in v if math.isfinite(r["epochs_to_90"])] for k, v in out.items()}
    ctx.add_row(
        setting,
        f"epochs to 90% training accuracy (seeds reaching it in {cfg.epochs} epochs: "
        f"{len(reached['ln-lstm'])} / {len(reached['lstm'])} of {n})",
        mean_std(reached["ln-lstm"]) if reached["ln-lstm"] else None,
        baseline=mean_std(reached["lstm"]) if reached["lstm"] else None,
    )
    ctx.add_row(setting, "test accuracy", agg["ln-lstm"]["test_acc"], baseline=agg["lstm"]["test_acc"])
    ln_auc, lstm_auc = [r["auc"] for r in out["ln-lstm"]], [r["auc"] for r in out["lstm"]]
    wins = sum(a < b for a, b in zip(ln_auc, lstm_auc, strict=True))
    ctx.add_criterion(
        "mean training-loss AUC: LN-LSTM < nn.LSTM",
        agg["ln-lstm"]["auc"]["mean"] < agg["lstm"]["auc"]["mean"],
        f"{agg['ln-lstm']['auc']['mean']:.3f} vs {agg['lstm']['auc']['mean']:.3f}",
    )
    need = (2 * n + 2) // 3
    ctx.add_criterion(f"LN-LSTM lower AUC in >= {need} of {n} seeds", wins >= need, f"{wins} seeds")
    d_acc = agg["ln-lstm"]["test_acc"]["mean"] - agg["lstm"]["test_acc"]["mean"]
    ctx.add_criterion(
        f"final test accuracy: LN-LSTM >= nn.LSTM - {100 * cfg.max_acc_drop:g} points",
        d_acc >= -cfg.max_acc_drop,
        f"difference {d_acc:+.3f}",
    )
    ctx.add_table(
        "curves",
        ["seed", "model", "training loss per epoch"],
        [
            [s, k, " ".join(f"{x:.3f}" for x in out[k][i]["loss_curve"])]
            for i, s in enumerate(ctx.seeds)
            for k in KINDS
        ],
    )


def _curves(ctx: Context) -> dict[str, Any] | None:
    """The loss curves of a run: ``data["digits.loss_curves"]``, or (results files written before the curves
    were stored) the rounded ``curves`` table."""
    key = ctx.key("loss_curves")
    if key in ctx.results.data:
        return ctx.results.data[key]
    table = ctx.results.tables.get("curves")
    if not table:
        return None
    curves: dict[str, Any] = {"seeds": [], **{k: [] for k in KINDS}}
    for seed, kind, text in table["rows"]:
        if kind == KINDS[0]:
            curves["seeds"].append(seed)
        curves[kind].append([float(x) for x in text.split()])
    return curves


def draw(ctx: Context) -> None:
    """Training loss per epoch of every seed, nn.LSTM vs LayerNormLSTM (the paper's Figs. 2, 3, 5 show such
    curves for its tasks)."""
    curves = _curves(ctx)
    if not curves:
        return
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    auc_epochs = ctx.results.config.get(ctx.study, {}).get("auc_epochs")
    if auc_epochs:
        ax.axvspan(1, auc_epochs, color="tab:orange", alpha=0.08, label=f"AUC window ({auc_epochs} epochs)")
    for kind, color, label in (("lstm", "tab:gray", "nn.LSTM"), ("ln-lstm", "tab:blue", "LayerNormLSTM")):
        for i, curve in enumerate(curves[kind]):
            epochs = range(1, len(curve) + 1)
            ax.plot(epochs, curve, color=color, alpha=0.8, label=label if i == 0 else None)
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(f"permuted sequential digits, {len(curves['seeds'])} seeds")
    ax.legend()
    ax.grid(alpha=0.3)
    ctx.save_figure(
        fig,
        "loss_curves",
        "Training loss per epoch on permuted sequential digits, one line per seed: nn.LSTM (grey) vs "
        "LayerNormLSTM (blue); shaded: the epochs whose losses sum to the AUC",
    )
