"""Autoencoders the cluster layer is plugged into (TELL, Sec. 4 "plug-and-play"), and the TELL network.

``MLPAutoencoder`` is the DEC-style d-500-500-2000-10 network of the official ``Net`` (dropout 0.2 on the
encoder's inputs, Sigmoid output); ``ConvAutoencoder`` is the official ``NetConv`` (four 3x3 conv + BN + ReLU
layers, two of stride 2, then fc 256 and fc ``latent``; the decoder mirrors it with transposed convolutions).
:class:`TELLNet` joins an autoencoder and a :class:`~tell_clustering.layer.ClusterLayer` and implements one
training step of the official alternating scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import torch
from torch import nn
from torch.nn import functional as F

from tell_clustering.layer import ClusterLayer, normalize_center_grad_

__all__ = ["ConvAutoencoder", "MLPAutoencoder", "Phase", "TELLNet"]

Phase = Literal["warmup", "centers", "codes", "joint"]
PHASES = ("warmup", "centers", "codes", "joint")


class MLPAutoencoder(nn.Module):
    """Fully connected autoencoder ``d - hidden... - latent`` and its mirror (official ``Net``).

    Args:
        in_features: input dimension d.
        hidden: widths of the hidden layers (official (500, 500, 2000)).
        latent: code dimension (official 10).
        dropout: dropout before each encoder layer (official 0.2; 0 disables it).
        sigmoid_output: end the decoder with a Sigmoid (inputs in [0, 1], as the official code).
    """

    def __init__(
        self,
        in_features: int,
        *,
        hidden: Sequence[int] = (500, 500, 2000),
        latent: int = 10,
        dropout: float = 0.2,
        sigmoid_output: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
            raise ValueError(f"hidden must be a sequence of positive int widths, got {hidden!r}")
        hidden = tuple(hidden)
        for name, v in (("in_features", in_features), ("latent", latent), *(("hidden", h) for h in hidden)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{name} must hold positive ints, got {v!r}")
        if in_features < 1 or latent < 1 or any(h < 1 for h in hidden):
            raise ValueError(
                f"in_features, latent and hidden widths must be >= 1, got {in_features}, {latent}, {hidden}"
            )
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        widths = (in_features, *hidden, latent)
        enc: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            if dropout > 0:
                enc.append(nn.Dropout(dropout))
            enc.append(nn.Linear(a, b))
            if i < len(widths) - 2:
                enc.append(nn.ReLU())
        dec: list[nn.Module] = []
        back = widths[::-1]
        for i, (a, b) in enumerate(zip(back[:-1], back[1:], strict=True)):
            dec.append(nn.Linear(a, b))
            if i < len(back) - 2:
                dec.append(nn.ReLU())
        if sigmoid_output:
            dec.append(nn.Sigmoid())
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        self.latent = latent
        self.in_features = in_features

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes (n, latent) of inputs (n, d).

        Args:
            x: inputs, shape (n, d) (any leading dimensions, as ``nn.Linear``).

        Returns:
            Tensor of shape (n, latent).
        """
        w = next(m for m in self.encoder if isinstance(m, nn.Linear)).weight
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor (n, {self.in_features}), got {type(x).__name__}")
        if x.dim() < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape (n, in_features={self.in_features}), got {tuple(x.shape)}")
        if x.dtype != w.dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but the autoencoder's dtype is {w.dtype}: the dtypes must match; "
                f"use x.to({w.dtype})"
            )
        if x.device != w.device:
            raise ValueError(
                f"x is on device {x.device} but the autoencoder is on device {w.device}: "
                f"move it with x.to({str(w.device)!r})"
            )
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Reconstructions (n, d) of codes (n, latent).

        Args:
            z: codes, shape (n, latent).

        Returns:
            Tensor of shape (n, d).
        """
        return self.decoder(z)


class _Reshape(nn.Module):
    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


def _conv_bn(cin: int, cout: int, stride: int, transposed: bool = False) -> list[nn.Module]:
    if transposed:
        conv: nn.Module = nn.ConvTranspose2d(
            cin, cout, 3, stride=stride, padding=1, output_padding=stride - 1
        )
    else:
        conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
    return [conv, nn.BatchNorm2d(cout), nn.ReLU()]


class ConvAutoencoder(nn.Module):
    """The official small convolutional autoencoder (``NetConv``) for images (N, C, H, W), H and W divisible by 4.

    Encoder: conv 16 -> conv s2 32 -> conv 32 -> conv s2 16 (each BN + ReLU) -> flatten -> fc 256 -> fc
    ``latent``. Decoder: fc 256 -> fc -> transposed convs mirroring the encoder -> Sigmoid.

    Args:
        channels: input channels C.
        height: image height H (divisible by 4).
        width: image width W (divisible by 4; default H).
        latent: code dimension (official 10).
    """

    def __init__(self, channels: int = 1, height: int = 28, width: int | None = None, *, latent: int = 10):
        super().__init__()
        width = height if width is None else width
        if channels < 1 or latent < 1:
            raise ValueError(f"channels and latent must be >= 1, got {channels}, {latent}")
        if height < 4 or width < 4 or height % 4 or width % 4:
            raise ValueError(f"height and width must be multiples of 4 (>= 4), got {height}x{width}")
        inner = 16 * (height // 4) * (width // 4)
        self.image_shape = (channels, height, width)
        self.latent = latent
        self.encoder = nn.Sequential(
            *_conv_bn(channels, 16, 1),
            *_conv_bn(16, 32, 2),
            *_conv_bn(32, 32, 1),
            *_conv_bn(32, 16, 2),
            nn.Flatten(1),
            nn.Linear(inner, 256),
            nn.ReLU(),
            nn.Linear(256, latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 256),
            nn.ReLU(),
            nn.Linear(256, inner),
            _Reshape(16, height // 4, width // 4),
            *_conv_bn(16, 32, 2, transposed=True),
            *_conv_bn(32, 32, 1, transposed=True),
            *_conv_bn(32, 16, 2, transposed=True),
            nn.ConvTranspose2d(16, channels, 3, stride=1, padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes (N, latent) of images (N, C, H, W).

        Args:
            x: images, shape (N, C, H, W).

        Returns:
            Tensor of shape (N, latent).
        """
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (N, {', '.join(map(str, self.image_shape))}), got {tuple(x.shape)}"
            )
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) decoded from codes (N, latent).

        Args:
            z: codes, shape (N, latent).

        Returns:
            Tensor of shape (N, C, H, W).
        """
        return self.decoder(z)


class TELLNet(nn.Module):
    """An autoencoder with a cluster layer on its codes: TELL's plug-and-play network (Sec. 4).

    The total loss is ``MSE(x, g(f(x))) + L_clu(f(x); Omega)`` with ``L_clu`` the official cluster loss
    (:meth:`ClusterLayer.tell_loss`). :meth:`train_step` runs one optimizer step in one of the phases of
    the official schedule: ``"centers"`` (even epochs: codes detached, only the centres and the autoencoder's
    reconstruction move; the centre gradient is replaced by ``center_step * g / ||g||`` in the spherical
    form), ``"codes"`` (odd epochs: centres frozen, the cluster loss shapes the encoder), ``"joint"`` (both at
    once) or ``"warmup"`` (reconstruction only).

    Args:
        autoencoder: a module with ``encode(x) -> (n, latent)`` and ``decode(z)``.
        n_clusters: number of clusters K.
        latent: code dimension.
        spherical: L2-normalise the codes and keep the centres on the unit sphere (official).
        alpha: the spherical form's scale (official 0.001).
    """

    def __init__(
        self,
        autoencoder: nn.Module,
        n_clusters: int,
        latent: int,
        *,
        spherical: bool = True,
        alpha: float = 1e-3,
    ) -> None:
        super().__init__()
        for name in ("encode", "decode"):
            if not callable(getattr(autoencoder, name, None)):
                raise TypeError(f"autoencoder must define {name}(...); got {type(autoencoder).__name__}")
        self.autoencoder = autoencoder
        self.cluster = ClusterLayer(n_clusters, latent, spherical=spherical, alpha=alpha)
        self.spherical = bool(spherical)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes ``z = f(x)``, L2-normalised in the spherical form (n, latent).

        Args:
            x: inputs.

        Returns:
            Tensor of shape (n, latent).
        """
        z = cast(Any, self.autoencoder).encode(x)
        return F.normalize(z, dim=1) if self.spherical else z

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output ``g(z)``; ``decode(centers)`` renders the cluster prototypes.

        Args:
            z: codes (n, latent).

        Returns:
            The decoder's output for ``z``.
        """
        return cast(Any, self.autoencoder).decode(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Codes, cluster scores and reconstruction of ``x``.

        Args:
            x: inputs.

        Returns:
            ``(z, scores, x_rec)``: (n, latent), (n, K) and the reconstruction (x's shape).
        """
        z = self.encode(x)
        return z, self.cluster(z), self.decode(z)

    def train_step(
        self,
        x: torch.Tensor,
        optimizer: torch.optim.Optimizer,
        *,
        phase: Phase = "joint",
        cluster_weight: float = 0.01,
        center_step: float = 0.1,
    ) -> tuple[float, float]:
        """One optimizer step on ``MSE + cluster_weight-weighted cluster loss`` in ``phase``.

        Args:
            x: a batch of inputs.
            optimizer: optimises the autoencoder's and the centres' parameters.
            phase: ``"centers"``, ``"codes"``, ``"joint"`` or ``"warmup"`` (see the class docstring).
            cluster_weight: weight of the cluster loss (official 0.01).
            center_step: length of the normalised centre gradient in the spherical form (0.1 in units of
                Omega is the official ``0.2 alpha`` in units of ``W = 2 alpha Omega``).

        Returns:
            ``(reconstruction loss, cluster loss)`` of the batch as floats.
        """
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
        z = self.encode(x)
        rec = F.mse_loss(self.decode(z), x)
        if phase == "warmup":
            clu = torch.zeros((), device=x.device, dtype=rec.dtype)
        else:
            clu = self.cluster.tell_loss(z.detach() if phase == "centers" else z, weight=cluster_weight)
        optimizer.zero_grad(set_to_none=True)
        (rec + clu).backward()
        if phase in ("warmup", "codes"):
            self.cluster.centers.grad = None  # centres frozen (the optimizer skips them)
        elif self.spherical:
            normalize_center_grad_(self.cluster, center_step)
        optimizer.step()
        self.cluster.renormalize_()
        return float(rec.detach()), float(clu.detach())
