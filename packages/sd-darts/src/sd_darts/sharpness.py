"""The measurements SD-DARTS's claims rest on: sharpness of the validation loss in α, and the discretisation gap.

* Sharpness (RobustDARTS, Zela et al. 2020): the dominant eigenvalue of ``∇²_α L_val(w, α)``, by power iteration
  on exact Hessian-vector products (double backward), over a fixed set of validation batches.
* Discretisation gap: validation accuracy of the supernet minus that of the discretised network with the
  inherited weights (the supernet evaluated with one-hot op weights of the derived cell), no retraining.

Both evaluate BatchNorm with batch statistics and leave the running statistics untouched
(:func:`darts_core.batch_stats_bn`): the supernet's running statistics mix every op.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from darts_core import Genotype, batch_stats_bn, derive_genotype
from darts_core.spaces import CellSpace

Batch = tuple[torch.Tensor, torch.Tensor]
MatVec = Callable[[list[torch.Tensor]], list[torch.Tensor]]


def _dot(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.stack([(x * y).sum() for x, y in zip(a, b, strict=True)]).sum()


def power_iteration(
    matvec: MatVec,
    template: Sequence[torch.Tensor],
    *,
    iters: int = 20,
    seed: int = 0,
    tol: float | None = None,
) -> tuple[float, list[torch.Tensor]]:
    """The eigenvalue of largest magnitude of a symmetric linear map, by power iteration.

    Starts from a fixed Gaussian vector (a CPU generator seeded with ``seed``, so the start does not depend on
    the device or on the global random state), iterates ``v ← Av / ‖Av‖`` and returns the Rayleigh quotient
    ``vᵀAv`` of the last iterate.

    Args:
        matvec: ``v -> A v`` on lists of tensors shaped like ``template``.
        template: tensors giving the shapes, dtype and device of the vectors.
        iters: number of iterations (>= 1).
        seed: seed of the starting vector.
        tol: stop early when the Rayleigh quotient changes by less than ``tol`` (relative); None runs ``iters``.

    Returns:
        ``(eigenvalue, eigenvector)`` (the vector has unit norm).
    """
    if isinstance(iters, bool) or not isinstance(iters, int) or iters < 1:
        raise ValueError(f"iters must be an int >= 1, got {iters!r}")
    if tol is not None and not tol > 0:
        raise ValueError(f"tol must be > 0 or None, got {tol!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if not callable(matvec):
        raise TypeError(
            f"matvec must be a callable v -> A v on lists of tensors, got {type(matvec).__name__}"
        )
    template = list(template) if isinstance(template, (list, tuple)) else []
    if not template or not all(isinstance(t, torch.Tensor) for t in template):
        raise ValueError("template must be a non-empty list of tensors (the shapes of the vectors)")
    gen = torch.Generator().manual_seed(int(seed))
    v = [torch.randn(t.shape, generator=gen, dtype=torch.float64).to(t) for t in template]
    norm = torch.sqrt(_dot(v, v))
    v = [x / norm for x in v]
    eig = 0.0
    for _ in range(iters):
        av = [a.detach() for a in matvec(v)]
        if [tuple(a.shape) for a in av] != [tuple(t.shape) for t in template]:
            raise ValueError(
                f"matvec returned shapes {[tuple(a.shape) for a in av]}, expected the template's "
                f"{[tuple(t.shape) for t in template]}"
            )
        new = float(_dot(v, av))
        norm = torch.sqrt(_dot(av, av))
        if float(norm) == 0.0:
            return 0.0, v
        v = [a / norm for a in av]
        done = tol is not None and abs(new - eig) <= tol * max(abs(new), 1e-12)
        eig = new
        if not math.isfinite(eig):
            raise ValueError(f"matvec returned non-finite values (eigenvalue {eig}): NaN or inf in the map")
        if done:
            break
    return eig, v


def _finite_batches(batches: Iterable[Batch], name: str) -> list[Batch]:
    """The batches as a list; ``ValueError`` naming ``name`` when one is empty-handed or holds NaN / inf."""
    out = []
    for i, batch in enumerate(batches):
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"{name} must yield (x, y) batches, got {type(batch).__name__} in batch {i}")
        x = batch[0]
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must yield (x, y) tensor batches, got {type(x).__name__} in batch {i}")
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} batch {i} holds NaN or inf inputs")
        out.append((x, batch[1]))
    if not out:
        raise ValueError(f"{name} is empty")
    return out


def _params(model: nn.Module, params: str | Sequence[torch.Tensor]) -> list[torch.Tensor]:
    if isinstance(params, str):
        if params == "alpha":
            fn = getattr(model, "arch_parameters", None)
        elif params == "weights":
            fn = getattr(model, "weight_parameters", None)
        else:
            raise ValueError(f"params must be 'alpha', 'weights' or a sequence of tensors, got {params!r}")
        if not callable(fn):
            raise TypeError(
                f"params={params!r} needs a model with {params == 'alpha' and 'arch' or 'weight'}_parameters()"
            )
        out = list(fn())
    else:
        out = list(params)
    if not out:
        raise ValueError("params is empty: nothing to differentiate")
    for i, p in enumerate(out):
        if not isinstance(p, torch.Tensor) or not p.requires_grad:
            raise ValueError(f"params[{i}] does not require grad: the Hessian in it is undefined")
    return out


def dominant_hessian_eigenvalue(
    model: nn.Module,
    batches: Iterable[Batch],
    *,
    params: str | Sequence[torch.Tensor] = "alpha",
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
    iters: int = 20,
    seed: int = 0,
    tol: float | None = None,
    batch_stats: bool = True,
) -> float:
    """The dominant eigenvalue of ``∇²_θ L(θ)`` (RobustDARTS's sharpness, with ``θ = α`` by default), where ``L``
    is the mean loss over every sample of ``batches`` (each batch weighted by its size).

    Power iteration (:func:`power_iteration`) on exact Hessian-vector products: the gradient graph of each batch
    is built once and every iteration is one more backward through it, so the result equals the same number of
    iterations on the dense Hessian (a test checks this against ``torch.linalg.eigvalsh``).

    Args:
        model: the supernet (``model(x)`` gives logits).
        batches: a fixed, re-iterable set of ``(x, y)`` batches (e.g. the validation set); consumed once.
        params: ``"alpha"`` (``model.arch_parameters()``), ``"weights"`` (``model.weight_parameters()``) or the
            tensors themselves; each must require grad.
        loss_fn: ``loss_fn(logits, y)``, a mean over the batch (cross entropy).
        iters: power iterations (RobustDARTS: 20).
        seed: seed of the fixed starting vector.
        tol: optional relative tolerance for stopping early.
        batch_stats: evaluate BatchNorm with batch statistics, running statistics untouched (the search's
            mode); False uses the model's current mode.

    Returns:
        The eigenvalue of largest magnitude (a float; positive at a sharp minimum).
    """
    ps = _params(model, params)
    batch_list = _finite_batches(batches, "batches")
    total = sum(len(y) for _, y in batch_list)
    grads: list[list[torch.Tensor]] = []
    ctx = batch_stats_bn(model) if batch_stats else _null()
    with ctx, torch.enable_grad():
        for x, y in batch_list:
            loss = loss_fn(model(x), y) * (len(y) / total)
            grads.append(list(torch.autograd.grad(loss, ps, create_graph=True, materialize_grads=True)))

        def hvp(v: list[torch.Tensor]) -> list[torch.Tensor]:
            out = [torch.zeros_like(p) for p in ps]
            vv = [t.to(p.dtype) for t, p in zip(v, ps, strict=True)]
            for g in grads:
                hv = torch.autograd.grad(
                    _dot(g, vv), ps, retain_graph=True, allow_unused=True, materialize_grads=True
                )
                out = [o + h for o, h in zip(out, hv, strict=True)]
            return out

        eig, _ = power_iteration(hvp, ps, iters=iters, seed=seed, tol=tol)
    if not math.isfinite(eig):
        raise ValueError(
            f"the Hessian-vector products are not finite (eigenvalue {eig}): NaN or inf in the model"
        )
    return eig


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def genotype_weights(
    genotype: Genotype, space: CellSpace, *, like: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """One-hot op weights ``{"normal": (E, K)[, "reduce"]}`` of a derived cell: 1 on each kept edge's op, rows of
    zeros on dropped edges (the discretised network inside the supernet, with its weights inherited).

    Args:
        genotype: the derived cell (e.g. ``model.genotype()``).
        space: the supernet's cell space.
        like: a tensor giving dtype and device (default float32 on the CPU).

    Returns:
        The weights, accepted by ``Supernet.forward(x, weights=...)``.
    """
    if isinstance(genotype, str):
        genotype = Genotype.from_str(genotype)
    if not isinstance(genotype, Genotype):
        raise TypeError(
            f"genotype must be a darts_core.Genotype (or its string), got {type(genotype).__name__}"
        )
    if not isinstance(space, CellSpace):
        raise TypeError(f"space must be a darts_core.CellSpace, got {type(space).__name__}")
    if like is not None and not isinstance(like, torch.Tensor):
        raise TypeError(f"like must be a tensor (giving dtype and device) or None, got {type(like).__name__}")
    out = {}
    for name, cell in genotype.cells().items():
        w = torch.zeros(space.alpha_shape) if like is None else like.new_zeros(space.alpha_shape)
        if len(cell) != space.n_nodes:
            raise ValueError(
                f"genotype {genotype} has {len(cell)} nodes, the space {space.name!r} {space.n_nodes}"
            )
        for i, node in enumerate(cell):
            edges = space.node_edges(i)
            for op, j in node:
                if op not in space.primitives or not 0 <= j < len(edges):
                    raise ValueError(
                        f"genotype {genotype} does not fit the space {space.name!r}: ({op!r}, {j}) in node {i} "
                        f"(ops {space.primitives}, {len(edges)} inputs)"
                    )
                w[edges[j], space.primitives.index(op)] = 1.0
        out[name] = w
    return out


@torch.no_grad()
def _accuracy(model: nn.Module, loader: Iterable[Batch], weights: Mapping[str, torch.Tensor] | None) -> float:
    correct = n = 0
    for x, y in loader:
        logits = model(x) if weights is None else model(x, weights=weights)
        correct += int((logits.argmax(-1) == y).sum())
        n += len(y)
    if n == 0:
        raise ValueError("loader is empty")
    return correct / n


def discretization_gap(
    model: nn.Module,
    loader: Iterable[Batch],
    genotype: Genotype | None = None,
    *,
    exclude: Sequence[str] | None = ("none",),
) -> dict[str, Any]:
    """Accuracy of the supernet minus that of its discretised cell with inherited weights (no retraining).

    Both are evaluated with batch-statistics BatchNorm (running statistics untouched); the discretised network
    is the supernet run with the one-hot weights of ``genotype`` (:func:`genotype_weights`).

    Args:
        model: a :class:`darts_core.Supernet` (``model(x, weights=...)`` and ``model.space``).
        loader: batches ``(x, y)`` (e.g. the validation set).
        genotype: the derived cell; default: the argmax of α with ``exclude`` left out (the DARTS rule).
        exclude: ops never picked when deriving the default genotype.

    Returns:
        ``{"supernet_acc", "discrete_acc", "gap", "genotype"}`` (gap = supernet_acc - discrete_acc).
    """
    space = getattr(model, "space", None)
    if not isinstance(space, CellSpace):
        raise TypeError(f"model must be a Supernet (with a CellSpace .space), got {type(model).__name__}")
    if genotype is None:
        with torch.no_grad():
            genotype = derive_genotype(model.arch_weights(), space, exclude=exclude)  # type: ignore[operator]
    ref = next(iter(model.parameters()))
    onehot = genotype_weights(genotype, space, like=ref)
    batch_list = _finite_batches(loader, "loader")
    with batch_stats_bn(model):
        sup = _accuracy(model, batch_list, None)
        disc = _accuracy(model, batch_list, onehot)
    return {"supernet_acc": sup, "discrete_acc": disc, "gap": sup - disc, "genotype": str(genotype)}
