"""Label embeddings ``u_y`` of NoProp (paper Sec. 2.1 / 4: one-hot, learned, prototype)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LabelEmbedding", "gaussian_kl_to_standard", "medoid_prototypes"]

MODES = ("onehot", "learned", "prototype")


def medoid_prototypes(X: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """One representative input per class: the class medoid (the example with the smallest mean Euclidean
    distance to the other examples of its class). Returns ``(num_classes, prod(X.shape[1:]))``.

    The paper initialises prototype embeddings from class examples; the exact choice is ours (medoid).
    """
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same length, got {X.shape[0]} and {y.shape[0]}")
    flat = X.reshape(X.shape[0], -1).to(torch.float64)
    out = torch.empty(num_classes, flat.shape[1], dtype=X.dtype if X.is_floating_point() else torch.float32)
    for c in range(num_classes):
        rows = flat[y == c]
        if rows.shape[0] == 0:
            raise ValueError(
                f"class {c} has no examples; medoid_prototypes needs every class in 0..{num_classes - 1}"
            )
        d = torch.cdist(rows, rows).mean(1)
        out[c] = rows[int(d.argmin())].to(out.dtype)
    return out


def gaussian_kl_to_standard(u: torch.Tensor, abar0: torch.Tensor | float) -> torch.Tensor:
    """``KL(N(sqrt(abar0) u, (1 - abar0) I) || N(0, I))`` per row of ``u`` (the KL term of Eq. 8).

    ``0.5 [abar0 ||u||^2 + d (1 - abar0) - d - d log(1 - abar0)]``; zero when ``abar0 = 0``.
    """
    abar0 = torch.as_tensor(abar0, dtype=u.dtype, device=u.device)
    d = u.shape[-1]
    return 0.5 * (abar0 * u.pow(2).sum(-1) + d * (1 - abar0) - d - d * torch.log1p(-abar0))


class LabelEmbedding(nn.Module):
    """The class embedding matrix ``W_emb`` (``num_classes x dim``), row ``c`` is ``u_c``.

    * ``mode="onehot"``: ``W_emb = I`` (``dim = num_classes``), fixed (a buffer);
    * ``mode="learned"``: a trained parameter of shape ``(num_classes, dim)``, ``init="orthogonal"``
      (default) or ``"onehot"`` (needs ``dim >= num_classes``);
    * ``mode="prototype"``: fixed rows given by ``prototypes`` (e.g. :func:`medoid_prototypes`), ``dim`` is
      the input dimension.

    Learned embeddings couple the blocks (they are shared), so strict block independence holds only for the
    fixed modes.
    """

    def __init__(
        self,
        num_classes: int,
        *,
        mode: str = "onehot",
        dim: int | None = None,
        prototypes: torch.Tensor | None = None,
        init: str = "orthogonal",
    ) -> None:
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be an int >= 1, got {num_classes!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.num_classes = num_classes
        self.mode = mode
        if mode == "onehot":
            if dim is not None and dim != num_classes:
                raise ValueError(f"mode='onehot' needs dim == num_classes ({num_classes}), got dim={dim}")
            self.register_buffer("_weight", torch.eye(num_classes))
        elif mode == "learned":
            dim = num_classes if dim is None else dim
            if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
                raise ValueError(f"mode='learned' needs dim >= 1, got dim={dim!r}")
            if init == "orthogonal":
                w = torch.empty(num_classes, dim)
                nn.init.orthogonal_(w)
            elif init == "onehot":
                if dim < num_classes:
                    raise ValueError(f"init='onehot' needs dim >= num_classes ({num_classes}), got dim={dim}")
                w = torch.eye(num_classes, dim)
            else:
                raise ValueError(f"init must be 'orthogonal' or 'onehot', got {init!r}")
            self._weight = nn.Parameter(w)
        else:
            if prototypes is None:
                raise ValueError("mode='prototype' needs prototypes (num_classes x dim), got None")
            if not isinstance(prototypes, torch.Tensor):
                raise TypeError(f"prototypes must be a torch.Tensor, got {type(prototypes).__name__}")
            p = (
                prototypes.detach().reshape(prototypes.shape[0], -1).float()
                if prototypes.ndim > 2
                else prototypes
            )
            if p.ndim != 2 or p.shape[0] != num_classes or (dim is not None and p.shape[1] != dim):
                want = f"({num_classes}, {dim if dim is not None else 'dim'})"
                raise ValueError(f"prototypes must have shape {want}, got {tuple(prototypes.shape)}")
            self.register_buffer("_weight", p.detach().clone().float())
        self.init = init

    @property
    def weight(self) -> torch.Tensor:
        """``W_emb``, shape ``(num_classes, dim)``."""
        return self._weight

    @property
    def dim(self) -> int:
        return int(self._weight.shape[1])

    @property
    def learned(self) -> bool:
        return self.mode == "learned"

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """``u_y`` for integer labels ``y`` (shape ``y.shape + (dim,)``) in ``[0, num_classes)``."""
        if (
            not isinstance(y, torch.Tensor)
            or y.is_floating_point()
            or y.is_complex()
            or y.dtype == torch.bool
        ):
            what = y.dtype if isinstance(y, torch.Tensor) else type(y).__name__
            raise TypeError(f"y must be a tensor of integer class labels, got {what}")
        if not torch.compiler.is_compiling() and y.numel() > 0:
            lo, hi = torch.aminmax(y)
            if int(lo) < 0 or int(hi) >= self.num_classes:
                bad = int(lo) if int(lo) < 0 else int(hi)
                raise ValueError(f"y holds label {bad} outside [0, {self.num_classes}) (num_classes)")
        return self._weight[y]

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, dim={self.dim}, mode={self.mode!r}"
