"""Study ``replacement``: the first layer of a trained digits MLP converted with ``SNNKLinear.from_linear``
(ReLU-SNNK, m random features) and fine-tuned, against the reviewers' control, a narrower MLP with the same
first-layer parameter count trained from scratch (the paper's uptraining, at small scale).

The MLP is trained here exactly as in the ``bundled`` study (same split, seed and budget), so this study also
runs on its own (``--only replacement``).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import cast

import numpy as np
import torch
from torch import nn

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from snnk.layers import SNNKLinear
from snnk.reproduce.common import (
    accuracy,
    check_positive_ints,
    digits_split,
    mlp,
    tiny_study,
    train,
    train_digits_mlp,
)


@dataclasses.dataclass(frozen=True)
class Config:
    features: tuple[int, ...] = (16, 32, 64)  # m of the ReLU-SNNK first layer (32 is judged when present)
    finetune_epochs: int = 10  # epochs of fine-tuning Ψ and the head after the conversion
    mlp_hidden: int = 256  # the trained MLP 64-hidden-10 (as in the bundled study)
    mlp_epochs: int = 50  # its training budget, also the narrow control's

    def __post_init__(self) -> None:
        check_positive_ints(
            "replacement",
            features=self.features,
            finetune_epochs=self.finetune_epochs,
            mlp_hidden=self.mlp_hidden,
            mlp_epochs=self.mlp_epochs,
        )


def _width(h: int, m: int) -> int:
    """Hidden width of the narrow control: ``width * 65 ≈ h * m`` first-layer parameters."""
    return max(1, round(h * m / 65))


def _judged(cfg: Config) -> int:
    return 32 if 32 in cfg.features else cfg.features[0]


def run(cfg: Config, ctx: Context) -> None:
    with tiny_study(ctx):
        before: dict[int, list[float]] = {m: [] for m in cfg.features}
        after: dict[int, list[float]] = {m: [] for m in cfg.features}
        narrow: dict[int, list[float]] = {m: [] for m in cfg.features}
        base: list[float] = []
        for seed in ctx.progress(ctx.seeds, desc="layer replacement"):
            xtr, xte, ytr, yte = digits_split(seed)
            net, _ = train_digits_mlp(xtr, ytr, hidden=cfg.mlp_hidden, epochs=cfg.mlp_epochs, seed=seed)
            base.append(accuracy(net, xte, yte))
            first, head = cast(nn.Linear, net[0]), net[2]
            metrics = {}
            for m in cfg.features:
                model = nn.Sequential(
                    SNNKLinear.from_linear(first, "relu", m, seed=seed), copy.deepcopy(head)
                )
                before[m].append(accuracy(model, xte, yte))
                train(model, xtr, ytr, epochs=cfg.finetune_epochs, seed=seed)
                after[m].append(accuracy(model, xte, yte))
                torch.manual_seed(seed)
                small = mlp(64, _width(cfg.mlp_hidden, m), 10)
                train(small, xtr, ytr, epochs=cfg.mlp_epochs, seed=seed)
                narrow[m].append(accuracy(small, xte, yte))
                metrics[f"replace_m{m}_after"] = after[m][-1]
                metrics[f"replace_m{m}_narrow"] = narrow[m][-1]
            ctx.add_seed(seed, metrics)
        _report(cfg, ctx, base, before, after, narrow)


def _report(
    cfg: Config,
    ctx: Context,
    base: list[float],
    before: dict[int, list[float]],
    after: dict[int, list[float]],
    narrow: dict[int, list[float]],
) -> None:
    h = cfg.mlp_hidden
    base_first = h * 65
    rows = [[f"MLP 64-{h}-10 (trained)", base_first, mean_std(base), "—"]]
    for m in cfg.features:
        width = _width(h, m)
        fewer = f"{base_first / (h * m):.1f}x fewer"
        rows.append([f"ReLU-SNNK m={m} from_linear, before fine-tuning", h * m, mean_std(before[m]), fewer])
        rows.append(
            [f"ReLU-SNNK m={m} + {cfg.finetune_epochs} epochs fine-tuning", h * m, mean_std(after[m]), fewer]
        )
        rows.append(
            [
                f"control: MLP 64-{width}-10 trained from scratch",
                width * 65,
                mean_std(narrow[m]),
                f"{base_first / (width * 65):.1f}x fewer",
            ]
        )
        ctx.set_summary(f"replace_m{m}_after", mean_std(after[m]))
        ctx.set_summary(f"replace_m{m}_narrow", mean_std(narrow[m]))
    ctx.add_table(
        "replacement", ["first layer", "first-layer params", "test accuracy", "vs MLP first layer"], rows
    )
    m0 = _judged(cfg)
    ctx.add_row(
        f"digits MLP, first layer -> ReLU-SNNK m={m0} (fine-tuned)",
        "test accuracy",
        mean_std(after[m0]),
        paper="uptraining: small accuracy loss with fewer params (paper's uptraining experiments; qualitative)",
        baseline=mean_std(base),
    )
    ctx.add_row(
        f"digits, control: narrower MLP 64-{_width(h, m0)}-10 (same first-layer params as m={m0})",
        "test accuracy",
        mean_std(narrow[m0]),
        paper=None,
        baseline=mean_std(after[m0]),
    )
    a, b = float(np.mean(after[m0])), float(np.mean(base))
    ctx.add_criterion(
        f"replacement: SNNK m={m0} fine-tuned within 2 pts of the MLP with >= 2x fewer first-layer params",
        a >= b - 0.02 and base_first >= 2 * h * m0,
        f"SNNK {a:.4f} vs MLP {b:.4f}; params {h * m0} vs {base_first}; "
        f"narrow-MLP control {np.mean(narrow[m0]):.4f}",
    )


def draw(ctx: Context) -> None:
    """Test accuracy against first-layer parameters: SNNK before / after fine-tuning, the narrow MLPs, the MLP."""
    table = ctx.results.tables.get("replacement")
    if table is None:
        return
    rows = table["rows"]
    base, triples = rows[0], [rows[i : i + 3] for i in range(1, len(rows), 3)]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    labels = ("ReLU-SNNK from_linear, before fine-tuning", "ReLU-SNNK, fine-tuned", "narrower MLP (control)")
    for j, (label, marker) in enumerate(zip(labels, ("v", "o", "s"), strict=True)):
        params = [t[j][1] for t in triples]
        ax.errorbar(
            params,
            [t[j][2]["mean"] for t in triples],
            yerr=[t[j][2]["std"] for t in triples],
            marker=marker,
            capsize=2,
            label=label,
        )
    ax.axhline(base[2]["mean"], color="k", ls="--", lw=1, label=f"MLP ({base[1]} first-layer params)")
    ax.set(xscale="log", xlabel="first-layer parameters", ylabel="test accuracy (digits)")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_title(f"first layer replaced ({base[2]['n']} seeds)")
    ax.legend(fontsize=7)
    ctx.save_figure(
        fig,
        "accuracy",
        "Layer replacement on digits: test accuracy against first-layer parameters for the ReLU-SNNK layer "
        "(before and after fine-tuning) and for a narrower MLP with the same count (mean ± std over seeds).",
    )
