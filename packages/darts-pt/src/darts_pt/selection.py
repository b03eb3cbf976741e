"""Perturbation-based scoring (DARTS-PT, Wang et al. ICLR 2021, Sec. 4, Alg. 1-2).

The importance of an operation ``o`` on edge ``e`` is measured by removing it from the supernet (its weight on
that edge multiplied by 0, the other weights **not** renormalised) and evaluating the supernet's validation
accuracy (or loss) without it. The op whose removal hurts most is kept (Alg. 1, "operation projection"); for a
node, the incoming edge whose removal hurts least is dropped until ``topk`` remain (Alg. 2, "topology
projection"). Evaluation runs over the whole validation loader, without gradients, with BatchNorm on batch
statistics (train-mode BN, the official "disable running stats for projection"), running statistics untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
import torch.nn.functional as F

from darts_core import Supernet, batch_stats_bn

Batch = tuple[torch.Tensor, torch.Tensor]
METRICS = ("acc", "loss")


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


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


def mask_op(weights: torch.Tensor, edge: int, op: int | None = None) -> torch.Tensor:
    """A copy of ``(E, K)`` op weights with op ``op`` of edge ``edge`` zeroed (``op=None``: the whole edge).

    No renormalisation (official ``weights[eid][opid] = 0``): the row then sums to ``1 - w[edge, op]``.
    """
    out = weights.detach().clone()
    if op is None:
        out[edge] = 0
    else:
        out[edge, op] = 0
    return out


@torch.no_grad()
def evaluate_weights(
    model: Supernet, loader: Iterable[Batch], weights: Mapping[str, torch.Tensor], *, bn_mode: str = "train"
) -> dict[str, float]:
    """Accuracy and mean cross entropy of ``model(x, weights=weights)`` over ``loader``.

    ``bn_mode="train"`` (official) uses batch statistics without touching running stats; ``"eval"`` the running
    statistics. The model's own train/eval flags are restored.
    """
    if bn_mode not in ("train", "eval"):
        raise ValueError(f"bn_mode must be 'train' or 'eval', got {bn_mode!r}")
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
            for batch in loader:
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
) -> dict[str, torch.Tensor]:
    """``{"acc": (K,), "loss": (K,)}``: the supernet's validation accuracy and loss with op ``k`` of ``edge``
    (of ``cell_type``) removed, for every candidate ``k`` (``none`` included, as in the official code).

    ``weights`` are the current op weights per cell type (default ``model.arch_weights()``; the projector passes
    its projected weights: one-hot on decided edges).
    """
    check_supernet(model)
    with torch.no_grad():
        base = {k: v.detach() for k, v in (weights if weights is not None else model.arch_weights()).items()}
    if cell_type not in base:
        raise ValueError(f"cell_type must be one of {sorted(base)}, got {cell_type!r}")
    E, K = base[cell_type].shape
    if not 0 <= edge < E:
        raise ValueError(f"edge must be in [0, {E - 1}], got {edge}")
    accs, losses = [], []
    for k in range(K):
        w = dict(base)
        w[cell_type] = mask_op(base[cell_type], edge, k)
        m = evaluate_weights(model, loader, w, bn_mode=bn_mode)
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
) -> torch.Tensor:
    """``(K,)``: validation ``metric`` of the supernet without each op of ``edge`` (see :func:`perturbation_metrics`)."""
    check_metric(metric)
    return perturbation_metrics(model, loader, edge, weights=weights, cell_type=cell_type, bn_mode=bn_mode)[
        metric
    ]


def select_op(scores: torch.Tensor, metric: str = "acc", *, tie_break: torch.Tensor | None = None) -> int:
    """The op to keep (Alg. 1): the one whose removal gives the **lowest** accuracy (``metric="acc"``) or the
    **highest** loss (``"loss"``). Ties go to ``tie_break`` (the other metric, oriented the same way: higher loss /
    lower accuracy wins), then to the lower index (``np.argmin``)."""
    check_metric(metric)
    s = torch.as_tensor(scores, dtype=torch.float64).flatten()
    if s.numel() < 2:
        raise ValueError(f"scores must hold at least 2 ops, got {s.numel()}")
    bad = s if metric == "acc" else -s  # smaller = removal hurts more = keep
    cand = (bad == bad.min()).nonzero().flatten()
    if tie_break is not None and len(cand) > 1:
        tb = torch.as_tensor(tie_break, dtype=torch.float64).flatten()[cand]
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
) -> list[int]:
    """Edges kept for intermediate ``node`` (Alg. 2): while more than ``topk`` (default ``space.topk``) remain,
    zero each remaining edge in turn (on the current ``weights``) and drop the one whose removal gives the
    **highest** accuracy (lowest loss): the least important. Returns the kept edge ids, ascending."""
    check_supernet(model)
    check_metric(metric)
    space = model.space
    if not 0 <= node < space.n_nodes:
        raise ValueError(f"node must be in [0, {space.n_nodes - 1}], got {node}")
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
            scores.append(evaluate_weights(model, loader, w, bn_mode=bn_mode)[metric])
        s = torch.tensor(scores, dtype=torch.float64)
        drop = int(torch.argmax(s if metric == "acc" else -s))
        kept.pop(drop)
    return kept
