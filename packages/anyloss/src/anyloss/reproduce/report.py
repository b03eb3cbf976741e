"""Tables and figures built from the results alone (so any subset of studies, in any order, fills them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from anyloss.reproduce.ensemble import LOSSES
from paperzoo_shared.results import Results
from paperzoo_shared.runner import Context, pyplot

FOLD_STUDIES = ("synthetic", "real")  # the studies whose paper-MLP cells the side-by-side table lists
TIMING_DATASET = "synthetic"  # the timing study times one paper MLP on this set

SHORT = {
    "bce": "BCE",
    "wbce": "weighted BCE",
    "anyloss_f1": "AnyLoss-F1",
    "anyloss_bacc": "AnyLoss-BAcc",
    "pure_f1": "Pure soft-F1",
}


def constant_folds(folds: Sequence[Mapping[str, Any]]) -> str:
    """How many folds ended with a constant predictor (balanced accuracy 0.5), and which constant: all positive
    (F1 = 2 pi / (1 + pi) > 0, pi the positive rate) or all negative (F1 = 0)."""
    const = [r for r in folds if abs(r["bacc"] - 0.5) < 1e-12]
    out = f"{len(const)}/{len(folds)}"
    if const:
        pos = sum(r["f1"] > 0 for r in const)
        out += f" ({pos} all-positive, {len(const) - pos} all-negative)"
    return out


def refresh_side_by_side(res: Results) -> None:
    """(Re)build table ``side_by_side``: every loss with the paper MLP on the same folds, and its time per epoch
    relative to BCE (all fold-models batched; one model alone, eager and under ``torch.compile``, from the
    timing study, for the timing study's dataset)."""
    cells: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for entry in res.per_seed:
        m = entry["metrics"]
        if entry.get("study") in FOLD_STUDIES and m.get("model") == "paper":
            cells.setdefault((entry["study"], m["dataset"], m["loss"]), []).append(m)
    if not cells:
        return
    s = res.summary

    def one_model(kind: str, dataset: str, loss: str) -> str:
        t, ref = (s.get(f"timing.time_per_epoch_s.{kind}.{k}") for k in (loss, "bce"))
        if dataset != TIMING_DATASET or t is None or ref is None:
            return "—"
        return f"{t / ref:.2f}x"

    rows = []
    for (study, ds, loss), folds in cells.items():
        batched = f"{study}.time_per_epoch_s.all_folds_batched.{ds}/paper"
        rows.append(
            [
                ds,
                LOSSES[loss],
                s[f"{study}.{ds}/paper/{loss}.f1"],
                s[f"{study}.{ds}/paper/{loss}.bacc"],
                constant_folds(folds),
                f"{s[f'{batched}/{loss}'] / s[f'{batched}/bce']:.2f}x",
                one_model("one_model", ds, loss),
                one_model("one_model_compiled", ds, loss),
            ]
        )
    n_models = len(next(iter(cells.values())))
    res.add_table(
        "side_by_side",
        [
            "dataset",
            "loss (paper MLP, same folds)",
            "test F1",
            "test balanced acc.",
            "constant-prediction folds",
            f"time/epoch vs BCE ({n_models} models batched)",
            "time/epoch vs BCE (1 model)",
            "time/epoch vs BCE (1 model, torch.compile)",
        ],
        rows,
    )


def _label(model: str, loss: str) -> str:
    if model == "paper":
        return SHORT[loss]
    if model == "strong":
        return f"{SHORT[loss]}\n(2x32 ReLU)"
    return f"{SHORT[loss]}\n({model.removeprefix('paper ')})"


def draw_folds(ctx: Context, caption: str) -> None:
    """Figure ``folds``: the test F1 and balanced accuracy of every fold, per loss (one row per dataset), from
    the study's per-seed values; a bar marks the mean."""
    entries = [e["metrics"] for e in ctx.results.per_seed if e.get("study") == ctx.study]
    datasets = list(dict.fromkeys(m["dataset"] for m in entries))
    if not datasets:
        return
    plt = pyplot()
    cells = {
        ds: list(dict.fromkeys((m["model"], m["loss"]) for m in entries if m["dataset"] == ds))
        for ds in datasets
    }
    width = max(len(c) for c in cells.values())
    metrics = (("f1", "test F1"), ("bacc", "test balanced accuracy"))
    # one dataset: its two panels one above the other; several: one row per dataset
    nrows, ncols = (2, 1) if len(datasets) == 1 else (len(datasets), 2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * (1.2 + 0.75 * width), 3.0 * nrows), squeeze=False)
    colors = dict(zip(SHORT, plt.get_cmap("tab10").colors, strict=False))
    for row, ds in enumerate(datasets):
        for col, (metric, name) in enumerate(metrics):
            ax = axes[col][0] if len(datasets) == 1 else axes[row][col]
            for i, (model, loss) in enumerate(cells[ds]):
                vals = [
                    m[metric] for m in entries if (m["dataset"], m["model"], m["loss"]) == (ds, model, loss)
                ]
                offsets = [i - 0.25 + 0.5 * j / max(len(vals) - 1, 1) for j in range(len(vals))]
                marker = "o" if model == "paper" else "s"
                ax.scatter(offsets, vals, s=14, alpha=0.7, color=colors[loss], marker=marker, linewidths=0)
                ax.hlines(sum(vals) / len(vals), i - 0.32, i + 0.32, color="black", linewidth=1.5)
            ax.set_xticks(range(len(cells[ds])))
            ax.set_xticklabels([_label(*c) for c in cells[ds]], rotation=35, ha="right", fontsize=8)
            ax.set_ylim(-0.03, 1.03)
            ax.grid(axis="y", alpha=0.3)
            ax.set_title(f"{ds}: {name}", fontsize=10)
    fig.tight_layout()
    ctx.save_figure(fig, "folds", caption)
