"""Perturbation-based scoring (DARTS-PT, Wang et al. ICLR 2021, Sec. 4, Alg. 1-2).

The importance of an operation ``o`` on edge ``e`` is measured by removing it from the supernet (its weight on
that edge multiplied by 0, the other weights **not** renormalised) and evaluating the supernet's validation
accuracy (or loss) without it. The op whose removal hurts most is kept (Alg. 1, "operation projection"); for a
node, the incoming edge whose removal hurts least is dropped until ``topk`` remain (Alg. 2, "topology
projection"). Evaluation runs over the whole validation loader, without gradients, with BatchNorm on batch
statistics (train-mode BN, the official "disable running stats for projection"), running statistics untouched.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from darts_core import Supernet, batch_stats_bn
from darts_core.loader import check_batch

Batch = tuple[torch.Tensor, torch.Tensor]
METRICS = ("acc", "loss")


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def check_weights(model: Supernet, weights: object) -> None:
    """``ValueError`` unless ``weights`` maps cell types of ``model`` to ``(num_edges, num_ops)`` tensors."""
    if not isinstance(weights, Mapping):
        raise TypeError(f"weights must be a mapping {{cell_type: tensor}}, got {type(weights).__name__}")
    shape = tuple(model.space.alpha_shape)
    for name, w in weights.items():
        if name not in model.cell_types:
            raise ValueError(f"weights has cell type {name!r}; the model's are {list(model.cell_types)}")
        if not isinstance(w, torch.Tensor) or tuple(w.shape) != shape:
            raise ValueError(
                f"weights[{name!r}] must have shape {shape} (num_edges, num_ops), got {tuple(getattr(w, 'shape', ()))}"
            )


def check_supernet(model: object) -> Supernet:
    """``TypeError`` unless ``model`` is a darts-core :class:`~darts_core.Supernet` (``forward(x, weights=...)``)."""
    if not isinstance(model, Supernet):
        raise TypeError(
            f"model must be a darts_core.Supernet (it needs forward(x, weights=...)), got {type(model).__name__}; "
            "build the supernet with darts_core.Supernet(space, ...)"
        )
    if model.space.num_ops < 2:
        raise ValueError(
            f"the space must have at least 2 candidate ops per edge to select among, got {model.space.primitives}"
        )
    return model


def _index(name: str, value: Any, size: int, none_ok: bool = False) -> int:
    """``value`` as an int in ``[0, size)`` (``ValueError`` naming ``name`` otherwise; negative indices too)."""
    try:
        i = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        i = None
    if i is None or not 0 <= i < size:
        what = "None (the whole edge) or an int" if none_ok else "an int"
        raise ValueError(f"{name} must be {what} in [0, {size - 1}], got {value!r}")
    return i


def mask_op(weights: torch.Tensor, edge: int, op: int | None = None) -> torch.Tensor:
    """A copy of ``(E, K)`` op weights with op ``op`` of edge ``edge`` zeroed (``op=None``: the whole edge).

    No renormalisation (official ``weights[eid][opid] = 0``): the row then sums to ``1 - w[edge, op]``.
    ``edge`` must be in ``[0, E)`` and ``op`` in ``[0, K)`` (``ValueError`` otherwise; no negative indices).
    """
    if not isinstance(weights, torch.Tensor):
        raise TypeError(
            f"weights must be a tensor of shape (num_edges, num_ops), got {type(weights).__name__}"
        )
    if weights.dim() != 2:
        raise ValueError(
            f"weights must be a 2-D (num_edges, num_ops) tensor, got shape {tuple(weights.shape)}"
        )
    E, K = weights.shape
    edge = _index("edge", edge, E)
    op = None if op is None else _index("op", op, K, none_ok=True)
    out = weights.detach().clone()
    if op is None:
        out[edge] = 0
    else:
        out[edge, op] = 0
    return out


@torch.no_grad()
def evaluate_weights(
    model: Supernet,
    loader: Iterable[Batch],
    weights: Mapping[str, torch.Tensor],
    *,
    bn_mode: str = "train",
    check_finite: bool = True,
) -> dict[str, float]:
    """Accuracy and mean cross entropy of ``model(x, weights=weights)`` over ``loader``.

    ``bn_mode="train"`` (official) uses batch statistics without touching running stats; ``"eval"`` the running
    statistics. The model's own train/eval flags are restored. ``check_finite`` refuses (``ValueError``) a
    batch holding NaN or inf (its scores would all be NaN or tied); pass False to skip the check.
    """
    if bn_mode not in ("train", "eval"):
        raise ValueError(f"bn_mode must be 'train' or 'eval', got {bn_mode!r}")
    check_supernet(model)
    check_weights(model, weights)
    was_training = model.training
    device = next(model.parameters()).device
    tot_loss = tot_correct = 0.0
    n = 0
    try:
        if bn_mode == "eval":
            model.eval()
            ctx = None
        else:
            ctx = batch_stats_bn(model)
            ctx.__enter__()
        try:
            for i, batch in enumerate(loader):
                check_batch(batch, f"val_loader batch {i}", finite=check_finite)
                x, y = batch[0].to(device), batch[1].to(device)
                logits = model(x, weights=weights)
                tot_loss += float(F.cross_entropy(logits, y, reduction="sum"))
                tot_correct += float((logits.argmax(1) == y).sum())
                n += len(y)
        finally:
            if ctx is not None:
                ctx.__exit__(None, None, None)
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("val_loader is empty: perturbation scores need validation batches")
    return {"acc": tot_correct / n, "loss": tot_loss / n}


def perturbation_metrics(
    model: Supernet,
    loader: Iterable[Batch],
    edge: int,
    *,
    weights: Mapping[str, torch.Tensor] | None = None,
    cell_type: str = "normal",
    bn_mode: str = "train",
    check_finite: bool = True,
) -> dict[str, torch.Tensor]:
    """``{"acc": (K,), "loss": (K,)}``: the supernet's validation accuracy and loss with op ``k`` of ``edge``
    (of ``cell_type``) removed, for every candidate ``k`` (``none`` included, as in the official code).

    ``weights`` are the current op weights per cell type (default ``model.arch_weights()``; the projector passes
    its projected weights: one-hot on decided edges). ``check_finite``: see :func:`evaluate_weights`.
    """
    check_supernet(model)
    with torch.no_grad():
        base = {k: v.detach() for k, v in (weights if weights is not None else model.arch_weights()).items()}
    if cell_type not in base:
        raise ValueError(f"cell_type must be one of {sorted(base)}, got {cell_type!r}")
    E, K = base[cell_type].shape
    edge = _index("edge", edge, E)
    accs, losses = [], []
    for k in range(K):
        w = dict(base)
        w[cell_type] = mask_op(base[cell_type], edge, k)
        m = evaluate_weights(model, loader, w, bn_mode=bn_mode, check_finite=check_finite)
        accs.append(m["acc"])
        losses.append(m["loss"])
    return {"acc": torch.tensor(accs, dtype=torch.float64), "loss": torch.tensor(losses, dtype=torch.float64)}


def perturbation_scores(
    model: Supernet,
    loader: Iterable[Batch],
    edge: int,
    *,
    metric: str = "acc",
    weights: Mapping[str, torch.Tensor] | None = None,
    cell_type: str = "normal",
    bn_mode: str = "train",
    check_finite: bool = True,
) -> torch.Tensor:
    """``(K,)``: validation ``metric`` of the supernet without each op of ``edge`` (see :func:`perturbation_metrics`)."""
    check_metric(metric)
    return perturbation_metrics(
        model,
        loader,
        edge,
        weights=weights,
        cell_type=cell_type,
        bn_mode=bn_mode,
        check_finite=check_finite,
    )[metric]


def select_op(scores: torch.Tensor, metric: str = "acc", *, tie_break: torch.Tensor | None = None) -> int:
    """The op to keep (Alg. 1): the one whose removal gives the **lowest** accuracy (``metric="acc"``) or the
    **highest** loss (``"loss"``). Ties go to ``tie_break`` (the other metric, oriented the same way: higher loss /
    lower accuracy wins), then to the lower index (``np.argmin``)."""
    check_metric(metric)
    s = torch.as_tensor(scores, dtype=torch.float64)
    if s.dim() != 1:
        raise ValueError(f"scores must be 1-D (one per op), got shape {tuple(s.shape)}")
    if s.numel() < 2:
        raise ValueError(f"scores must hold at least 2 ops, got {s.numel()}")
    if not bool(torch.isfinite(s).all()):
        raise ValueError(f"scores must be finite, got {[round(v, 6) for v in s.tolist()]}")
    tb_all = None
    if tie_break is not None:
        tb_all = torch.as_tensor(tie_break, dtype=torch.float64)
        if tb_all.shape != s.shape:
            raise ValueError(
                f"tie_break must have the shape of scores {tuple(s.shape)}, got {tuple(tb_all.shape)}"
            )
        if not bool(torch.isfinite(tb_all).all()):
            raise ValueError(f"tie_break must be finite, got {[round(v, 6) for v in tb_all.tolist()]}")
    bad = s if metric == "acc" else -s  # smaller = removal hurts more = keep
    cand = (bad == bad.min()).nonzero().flatten()
    if tb_all is not None and len(cand) > 1:
        tb = tb_all[cand]
        tb_bad = -tb if metric == "acc" else tb  # tie_break is the other metric
        cand = cand[tb_bad == tb_bad.min()]
    return int(cand[0])


def select_topology(
    model: Supernet,
    loader: Iterable[Batch],
    node: int,
    *,
    metric: str = "acc",
    weights: Mapping[str, torch.Tensor] | None = None,
    cell_type: str = "normal",
    topk: int | None = None,
    bn_mode: str = "train",
    check_finite: bool = True,
) -> list[int]:
    """Edges kept for intermediate ``node`` (Alg. 2): while more than ``topk`` (default ``space.topk``) remain,
    zero each remaining edge in turn (on the current ``weights``) and drop the one whose removal gives the
    **highest** accuracy (lowest loss): the least important. Returns the kept edge ids, ascending."""
    check_supernet(model)
    check_metric(metric)
    space = model.space
    if not 0 <= node < space.n_nodes:
        raise ValueError(f"node must be in [0, {space.n_nodes - 1}], got {node}")
    if cell_type not in model.cell_types:
        raise ValueError(f"cell_type must be one of {sorted(model.cell_types)}, got {cell_type!r}")
    if topk is not None and (isinstance(topk, bool) or not isinstance(topk, int) or topk < 1):
        raise ValueError(f"topk must be a positive int (None: the space's), got {topk!r}")
    k = space.topk if topk is None else topk
    kept = list(space.node_edges(node))
    if k is None or len(kept) <= k:
        return kept
    with torch.no_grad():
        base = {n: v.detach() for n, v in (weights if weights is not None else model.arch_weights()).items()}
    while len(kept) > k:
        scores = []
        for e in kept:
            w = dict(base)
            w[cell_type] = mask_op(base[cell_type], e)
            m = evaluate_weights(model, loader, w, bn_mode=bn_mode, check_finite=check_finite)
            scores.append(m[metric])
        s = torch.tensor(scores, dtype=torch.float64)
        drop = int(torch.argmax(s if metric == "acc" else -s))
        kept.pop(drop)
    return kept
