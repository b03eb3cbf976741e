"""The seed loop of the single-network variants (studies ``ct`` and ``fm``): build, fit with the study's
optimiser settings while recording the loss per epoch, score on the test split, report the row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from noprop.embeddings import LabelEmbedding
from noprop.reproduce.common import PAPER, Split, data_label, load_split, timed, update_side_by_side
from noprop.reproduce.figures import loss_recorder
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, threads


def fit_each_seed(
    cfg: Any,
    ctx: Context,
    key: str,
    build: Callable[[Split, LabelEmbedding], Any],
    *,
    setting: str,
    baseline: str | None = None,
) -> dict[str, Any]:
    """For every seed: its split, ``torch.manual_seed(seed)``, ``build(split, embedding)``, ``fit`` for
    ``cfg.epochs`` (``cfg``: ct.Config or fm.Config). Adds ``{key, train_seconds.key}`` per seed, stores the
    loss curves, sets summary ``key``, quotes ``PAPER[key + "_..."]``, adds the row ``setting`` and updates the
    side-by-side table; returns the accuracies' mean ± std."""
    accs: list[float] = []
    curves: list[list[float]] = []
    with threads(cfg.threads):
        for seed in ctx.progress(ctx.seeds):
            seed_everything(seed)
            d = load_split(cfg, seed, ctx.device)
            torch.manual_seed(seed)
            model = build(d, LabelEmbedding(d.num_classes, mode=cfg.embedding)).to(ctx.device)
            curves.append([])
            _, secs = timed(
                model.fit,
                d.x_train_f,
                d.y_train,
                epochs=cfg.epochs,
                batch_size=cfg.batch_size,
                lr=cfg.lr,
                weight_decay=cfg.weight_decay,
                seed=seed,
                callback=loss_recorder(curves[-1]),
            )
            accs.append(model.accuracy(d.x_test_f, d.y_test))
            ctx.add_seed(seed, {key: accs[-1], f"train_seconds.{key}": secs})
    ctx.set_data("curves", curves)
    ms = mean_std(accs)
    ctx.set_summary(key, ms)
    paper_key = next(k for k in PAPER if k.startswith(f"{key}_"))
    ctx.set_paper(paper_key, PAPER[paper_key])
    label = f"{data_label(cfg)}: {setting}"
    ctx.add_row(label, "test accuracy", ms, paper=PAPER[paper_key], baseline=baseline)
    update_side_by_side(ctx.results)
    return ms
