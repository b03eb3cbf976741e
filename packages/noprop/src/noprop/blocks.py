"""Denoising blocks: each sees the input ``x`` and a noisy label embedding ``z`` (and, for CT/FM, the time
``t``) and returns ``out_features`` numbers: class logits for DT/CT (the prediction is
``uhat = softmax(logits) @ W_emb``) or a velocity for FM. Architecture after the paper's Fig. 6.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from noprop._base import check_input_dtype

__all__ = [
    "DenoiseBlockCNN",
    "DenoiseBlockMLP",
    "TimeBlockCNN",
    "TimeBlockMLP",
    "sinusoidal_embedding",
]


def sinusoidal_embedding(t: torch.Tensor, dim: int = 64, *, max_period: float = 10000.0) -> torch.Tensor:
    """Transformer-style sinusoidal embedding of times ``t`` (shape ``(N,)``, in [0, 1]) -> ``(N, dim)``.

    ``t`` is scaled by 1000 (the diffusion-model convention) before the sines and cosines.
    """
    if dim < 2 or dim % 2:
        raise ValueError(f"dim must be an even int >= 2, got {dim}")
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = (t.reshape(-1, 1).float() * 1000.0) * freqs
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1).to(
        t.dtype if t.is_floating_point() else torch.float32
    )


class _LabelBranch(nn.Module):
    """FC(d->h)-BN-ReLU, then FC(h)-BN-ReLU-FC(h)-BN with a skip connection (paper Fig. 6)."""

    def __init__(self, embed_dim: int, hidden: int) -> None:
        super().__init__()
        self.inp = nn.Sequential(nn.Linear(embed_dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
        self.res = nn.Sequential(
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.inp(z)
        return h + self.res(h)


class _BlockBase(nn.Module):
    time_dim: int
    hidden: int
    image_branch: nn.Module
    label_branch: _LabelBranch

    def _setup_head(self, hidden: int, out_features: int, time_dim: int) -> None:
        self.time_dim = int(time_dim)
        extra = 0
        if time_dim:
            self.time_branch = nn.Sequential(nn.Linear(time_dim, hidden), nn.ReLU())
            extra = hidden
        self.fusion = nn.Sequential(
            nn.Linear(2 * hidden + extra, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_features),
        )

    def _check_x(self, x: torch.Tensor) -> None:
        raise NotImplementedError

    def forward_plain(self, x: torch.Tensor) -> torch.Tensor:
        """The block as a plain ``x -> logits`` classifier (no label input): the image branch and the fusion
        head, with the label branch's features held at zero. Used by the single-block back-prop baseline
        (:class:`~noprop.baselines.SingleBlockNet`). Feeding a constant ``z`` through the label branch instead
        would give its BatchNorm layers a batch variance of zero, and in eval mode they then divide round-off
        by ``sqrt(eps)``."""
        if self.time_dim:
            raise ValueError("forward_plain needs a block without the time branch (time_dim=0)")
        self._check_x(x)
        hx = self.image_branch(x)
        return self._fuse(hx, hx.new_zeros(hx.shape[0], self.hidden), None)

    def _check_dtype(self, x: torch.Tensor, name: str) -> None:
        check_input_dtype(x, next(self.label_branch.parameters()).dtype, name)

    def _check_z(self, z: torch.Tensor, n: int) -> None:
        self._check_dtype(z, "z")
        if z.ndim != 2 or z.shape != (n, self.embed_dim):
            raise ValueError(
                f"z must have shape ({n}, {self.embed_dim}) (batch, embed_dim), got {tuple(z.shape)}"
            )

    def _fuse(self, hx: torch.Tensor, hz: torch.Tensor, t: torch.Tensor | None) -> torch.Tensor:
        parts = [hx, hz]
        if self.time_dim:
            if t is None:
                raise ValueError("this block is time-conditioned: pass t (shape (batch,), values in [0, 1])")
            t = t.reshape(-1).to(hx.dtype)
            if t.numel() == 1:
                t = t.expand(hx.shape[0])
            parts.append(self.time_branch(sinusoidal_embedding(t, self.time_dim).to(hx.dtype)))
        return self.fusion(torch.cat(parts, dim=-1))


class DenoiseBlockMLP(_BlockBase):
    """An MLP denoising block for flat inputs ``x`` of shape ``(N, in_features)``.

    image branch ``Linear(in, hidden)-BN-ReLU-Dropout``; label branch as in the paper; fusion
    ``concat -> FC(hidden)-BN-ReLU -> FC(hidden)-BN-ReLU -> FC(out_features)``. ``time_dim > 0`` adds the
    CT/FM time branch (sinusoidal(time_dim) -> FC(hidden) -> ReLU). ``out_features`` defaults to
    ``num_classes`` (logits).
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        embed_dim: int,
        *,
        hidden: int = 256,
        dropout: float = 0.2,
        time_dim: int = 0,
        out_features: int | None = None,
    ) -> None:
        super().__init__()
        for name, v in dict(
            in_features=in_features, num_classes=num_classes, embed_dim=embed_dim, hidden=hidden
        ).items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.in_features, self.num_classes, self.embed_dim = in_features, num_classes, embed_dim
        self.hidden, self.dropout = hidden, float(dropout)
        self.out_features = num_classes if out_features is None else int(out_features)
        self.image_branch = nn.Sequential(
            nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout)
        )
        self.label_branch = _LabelBranch(embed_dim, hidden)
        self._setup_head(hidden, self.out_features, time_dim)

    def _check_x(self, x: torch.Tensor) -> None:
        self._check_dtype(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (batch, {self.in_features}), got {tuple(x.shape)}")

    def forward(self, x: torch.Tensor, z: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        self._check_x(x)
        self._check_z(z, x.shape[0])
        return self._fuse(self.image_branch(x), self.label_branch(z), t)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_classes={self.num_classes}, embed_dim={self.embed_dim}, "
            f"hidden={self.hidden}, dropout={self.dropout}, time_dim={self.time_dim}, out_features={self.out_features}"
        )


class DenoiseBlockCNN(_BlockBase):
    """The paper's convolutional denoising block for images ``(N, in_channels, image_size, image_size)``.

    image branch ``Conv3x3(32)-ReLU-MaxPool2-Dropout, Conv3x3(64)-ReLU-Dropout,
    Conv3x3(128)-ReLU-MaxPool2-Dropout, Flatten, FC(hidden), BN``; label branch and fusion as
    :class:`DenoiseBlockMLP`.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        embed_dim: int,
        image_size: int,
        *,
        hidden: int = 256,
        dropout: float = 0.2,
        time_dim: int = 0,
        out_features: int | None = None,
    ) -> None:
        super().__init__()
        for name, v in dict(
            in_channels=in_channels,
            num_classes=num_classes,
            embed_dim=embed_dim,
            image_size=image_size,
            hidden=hidden,
        ).items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if image_size < 4:
            raise ValueError(f"image_size must be >= 4 (two 2x2 max-pools), got {image_size}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.in_channels, self.num_classes, self.embed_dim, self.image_size = (
            in_channels,
            num_classes,
            embed_dim,
            image_size,
        )
        self.hidden, self.dropout = hidden, float(dropout)
        self.out_features = num_classes if out_features is None else int(out_features)
        side = image_size // 2 // 2
        self.image_branch = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv2d(64, 128, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Dropout(dropout),
            nn.Flatten(),
            nn.Linear(128 * side * side, hidden),
            nn.BatchNorm1d(hidden),
        )
        self.label_branch = _LabelBranch(embed_dim, hidden)
        self._setup_head(hidden, self.out_features, time_dim)

    def _check_x(self, x: torch.Tensor) -> None:
        self._check_dtype(x, "x")
        want = (self.in_channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(
                f"x must have shape (batch, {want[0]}, {want[1]}, {want[2]}) (NCHW), got {tuple(x.shape)}"
            )

    def forward(self, x: torch.Tensor, z: torch.Tensor, t: torch.Tensor | None = None) -> torch.Tensor:
        self._check_x(x)
        self._check_z(z, x.shape[0])
        return self._fuse(self.image_branch(x), self.label_branch(z), t)

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, num_classes={self.num_classes}, embed_dim={self.embed_dim}, "
            f"image_size={self.image_size}, hidden={self.hidden}, time_dim={self.time_dim}, out_features={self.out_features}"
        )


class TimeBlockMLP(DenoiseBlockMLP):
    """:class:`DenoiseBlockMLP` with the time branch (``time_dim=64`` by default), for NoProp-CT/FM."""

    def __init__(
        self, in_features: int, num_classes: int, embed_dim: int, *, time_dim: int = 64, **kwargs
    ) -> None:
        if time_dim < 2:
            raise ValueError(f"time_dim must be >= 2 for a time-conditioned block, got {time_dim}")
        super().__init__(in_features, num_classes, embed_dim, time_dim=time_dim, **kwargs)


class TimeBlockCNN(DenoiseBlockCNN):
    """:class:`DenoiseBlockCNN` with the time branch (``time_dim=64`` by default), for NoProp-CT/FM."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        embed_dim: int,
        image_size: int,
        *,
        time_dim: int = 64,
        **kwargs,
    ) -> None:
        if time_dim < 2:
            raise ValueError(f"time_dim must be >= 2 for a time-conditioned block, got {time_dim}")
        super().__init__(in_channels, num_classes, embed_dim, image_size, time_dim=time_dim, **kwargs)
