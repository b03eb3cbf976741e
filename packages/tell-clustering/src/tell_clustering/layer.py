"""The cluster layer of TELL: k-means written as one affine layer whose weights are the cluster centres.

For samples (or codes) ``z`` and centres ``Omega`` (K, p), expanding the squared distance gives

    ||z - Omega_j||^2 = ||z||^2 - (W_j^T z + b_j),    W_j = 2 Omega_j,  b_j = -||Omega_j||^2        (TELL, Sec. 3)

so the nearest centre is ``argmax_j s_j`` of the layer's scores ``s = W z + b``, and the k-means objective is a
loss on the layer's outputs, ``L = 1/n sum_i sum_j delta_ij (||z_i||^2 - s_ij) = 1/n sum_i ||z_i - Omega_c(i)||^2``,
with ``delta`` the hard assignment (held constant: no gradient through the argmax). Its gradient is
``dL/dOmega_j = 2 n_j / n (Omega_j - mu_j)``, so a per-centre step ``eta_j = n / (2 n_j)`` is exactly Lloyd's
update (:func:`lloyd_step_`).

The spherical form of the official code keeps codes and centres on the unit sphere: ``W = 2 alpha Omega``
with ``||Omega_j|| = 1``, so ``b_j = -alpha`` is a constant and the layer has no bias; its loss
``(c / alpha) mean_ij (2 alpha - delta_ij s_ij)`` equals ``c mean_ij delta_ij ||z_i - Omega_j||^2`` up to a
constant (``delta_ij (2 alpha - s_ij) = alpha delta_ij ||z_i - Omega_j||^2`` for unit vectors).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "ClusterLayer",
    "hard_assignment",
    "lloyd_step_",
    "normalize_center_grad_",
    "squared_distances",
]


def _check_pair(z: Any, centers: torch.Tensor, name: str = "z") -> None:
    """``z`` (n, p) against the centres (K, p): a tensor of their dtype and device (no host sync)."""
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (n, p), got {type(z).__name__}")
    if not isinstance(centers, torch.Tensor) or centers.dim() != 2:
        raise TypeError("centers must be a torch.Tensor (K, p)")
    if z.dim() != 2 or z.shape[1] != centers.shape[1]:
        raise ValueError(f"{name} must have shape (n, {centers.shape[1]}), got {tuple(z.shape)}")
    if z.dtype != centers.dtype:
        raise TypeError(
            f"{name} has dtype {z.dtype} but the centres' dtype is {centers.dtype}: the dtypes must match; "
            f"use {name}.to({centers.dtype})"
        )
    if z.device != centers.device:
        raise ValueError(
            f"{name} is on device {z.device} but the centres are on device {centers.device}: "
            f"move it with {name}.to({str(centers.device)!r})"
        )


def squared_distances(z: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances ``||z_i - Omega_j||^2`` (n, K), from the expansion of Sec. 3 (clamped at 0).

    Args:
        z: samples or codes, shape (n, p).
        centers: cluster centres Omega, shape (K, p).

    Returns:
        Tensor of shape (n, K).
    """
    _check_pair(z, centers)
    d = (z * z).sum(1, keepdim=True) - 2.0 * z @ centers.T + (centers * centers).sum(1)[None, :]
    return d.clamp_min(0.0)


def hard_assignment(scores: torch.Tensor) -> torch.Tensor:
    """One-hot ``delta_ij = [j = argmax_k s_ik]`` of the layer's scores (n, K), detached (Eq. of the loss).

    Args:
        scores: cluster-layer outputs ``s``, shape (n, K).

    Returns:
        Float tensor of shape (n, K) with one 1 per row, no gradient.
    """
    if not isinstance(scores, torch.Tensor) or scores.dim() != 2:
        got = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(f"scores must be a torch.Tensor of shape (n, K), got {got}")
    idx = scores.detach().argmax(1)
    return F.one_hot(idx, scores.shape[1]).to(scores.dtype)


class ClusterLayer(nn.Module):
    """k-means as a layer: scores ``s_ij = W_j^T z_i + b_j`` with ``W = 2 Omega``, ``b = -||Omega||^2``.

    The parameter is the centre matrix ``centers`` (Omega, shape (K, p)); ``weight`` and ``bias`` are derived
    from it (learning W and b independently would lose the equivalence with k-means). With
    ``spherical=True`` (the official code's form) codes are expected on the unit sphere, the centres are
    kept there (:meth:`renormalize_`), ``W = 2 alpha Omega`` and the constant bias ``-alpha`` is dropped.

    Args:
        n_clusters: number of clusters K (>= 1).
        dim: dimension p of the samples or codes (>= 1).
        spherical: use the official code's spherical form (unit-norm codes and centres).
        alpha: the spherical form's scale (official value 0.001); unused otherwise.
        centers: optional initial centres (K, p), copied; default random normal (projected onto the sphere in
            the spherical form, as the official code's random initialisation).
    """

    def __init__(
        self,
        n_clusters: int,
        dim: int,
        *,
        spherical: bool = False,
        alpha: float = 1e-3,
        centers: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(n_clusters, int) or n_clusters < 1:
            raise ValueError(f"n_clusters must be an int >= 1, got {n_clusters!r}")
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be an int >= 1, got {dim!r}")
        if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
        self.n_clusters = n_clusters
        self.dim = dim
        self.spherical = bool(spherical)
        self.alpha = float(alpha)
        if centers is None:
            init = torch.randn(n_clusters, dim)
        else:
            if not isinstance(centers, torch.Tensor) or not centers.is_floating_point():
                raise TypeError(
                    f"centers must be a floating torch.Tensor ({n_clusters}, {dim}), got {centers!r:.60}"
                )
            if tuple(centers.shape) != (n_clusters, dim):
                raise ValueError(f"centers must have shape ({n_clusters}, {dim}), got {tuple(centers.shape)}")
            if not torch.isfinite(centers).all():
                raise ValueError("centers contains NaN or inf")
            init = centers.detach().clone()
        self.centers = nn.Parameter(init)
        if self.spherical:
            self.renormalize_()

    def extra_repr(self) -> str:
        return f"n_clusters={self.n_clusters}, dim={self.dim}, spherical={self.spherical}, alpha={self.alpha}"

    # ------------------------------------------------------------------------------ the layer's view

    @property
    def weight(self) -> torch.Tensor:
        """The layer's weight: ``2 Omega`` (or ``2 alpha Omega`` in the spherical form), shape (K, p)."""
        return (2.0 * self.alpha if self.spherical else 2.0) * self.centers

    @property
    def bias(self) -> torch.Tensor | None:
        """The layer's bias ``-||Omega_j||^2`` (K,); None in the spherical form (a constant, dropped)."""
        if self.spherical:
            return None
        return -(self.centers * self.centers).sum(1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Cluster scores ``s = z W^T + b`` (n, K); the nearest centre is their argmax.

        Args:
            z: samples or codes, shape (n, p) (unit rows in the spherical form).

        Returns:
            Tensor of shape (n, K).
        """
        self._check(z)
        s = z @ self.weight.T
        b = self.bias
        return s if b is None else s + b

    def contributions(self, z: torch.Tensor) -> torch.Tensor:
        """Per-feature evidence for each cluster: ``W_jd z_id`` (n, K, p); summed over ``d`` plus the bias it
        gives the scores. This is the layer's intrinsic explanation of an assignment (no post-hoc method).

        Args:
            z: samples or codes, shape (n, p).

        Returns:
            Tensor of shape (n, K, p).
        """
        self._check(z)
        return z[:, None, :] * self.weight[None, :, :]

    # ---------------------------------------------------------------------------------- clustering

    def distances(self, z: torch.Tensor) -> torch.Tensor:
        """Squared distances to the centres (n, K).

        Args:
            z: samples or codes, shape (n, p).

        Returns:
            Tensor of shape (n, K).
        """
        self._check(z)
        return squared_distances(z, self.centers)

    @torch.no_grad()
    def assign(self, z: torch.Tensor) -> torch.Tensor:
        """Hard assignment ``c(i) = argmax_j s_ij = argmin_j ||z_i - Omega_j||^2`` (n,) int64.

        Args:
            z: samples or codes, shape (n, p).

        Returns:
            LongTensor of shape (n,).
        """
        return self.distances(z).argmin(1)

    def soft_assign(self, z: torch.Tensor, *, temperature: float = 1.0) -> torch.Tensor:
        """Differentiable relaxation ``q_ij = softmax_j(s_ij / tau)`` (tau -> 0 gives the hard indicator).

        Args:
            z: samples or codes, shape (n, p).
            temperature: tau > 0.

        Returns:
            Tensor of shape (n, K), rows summing to 1.
        """
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        return torch.softmax(self(z) / temperature, dim=1)

    def kmeans_loss(self, z: torch.Tensor, assign: torch.Tensor | None = None) -> torch.Tensor:
        """The k-means loss ``1/n sum_i ||z_i - Omega_c(i)||^2`` on the layer's outputs, with the assignment
        held constant (from ``assign`` or the current argmax).

        Args:
            z: samples or codes, shape (n, p).
            assign: optional LongTensor (n,) of cluster indices; default the nearest centre.

        Returns:
            Scalar tensor.
        """
        if assign is None:
            assign = self.assign(z)
        else:
            self._check(z)
            if not isinstance(assign, torch.Tensor) or assign.dtype not in (torch.int64, torch.int32):
                got = assign.dtype if isinstance(assign, torch.Tensor) else type(assign).__name__
                raise TypeError(f"assign must be an integer (int64) tensor of cluster indices, got {got}")
            if assign.shape != z.shape[:1]:
                raise ValueError(f"assign must have shape ({z.shape[0]},), got {tuple(assign.shape)}")
        try:
            centers = self.centers[assign]
        except IndexError as err:  # CPU: an index out of range (no extra check, no sync)
            raise ValueError(f"assign holds a cluster index outside [0, {self.n_clusters}): {err}") from err
        diff = z - centers
        return (diff * diff).sum(1).mean()

    def tell_loss(self, z: torch.Tensor, *, weight: float = 0.01) -> torch.Tensor:
        """The official code's cluster loss ``weight * mean_{i,j} delta_ij ||z_i - Omega_j||^2`` (the mean runs
        over all n x K entries, so it is ``weight / K`` times :meth:`kmeans_loss`). In the spherical form, for unit
        codes and centres, the official ``(weight / alpha) mean_ij (2 alpha - delta_ij s_ij)`` equals it plus the
        constant ``2 weight (K - 1) / K`` (the ``2 alpha`` of the entries with ``delta_ij = 0``; no gradient).

        Args:
            z: samples or codes, shape (n, p).
            weight: the loss weight (official 0.01).

        Returns:
            Scalar tensor.
        """
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < math.inf:
            raise ValueError(f"weight must be a finite number >= 0, got {weight!r}")
        return weight * self.kmeans_loss(z) / self.n_clusters

    @torch.no_grad()
    def renormalize_(self) -> ClusterLayer:
        """Project the centres back onto the unit sphere (spherical form; a no-op otherwise).

        Returns:
            self.
        """
        if self.spherical:
            self.centers.copy_(F.normalize(self.centers, dim=1))
        return self

    def _check(self, z: torch.Tensor) -> None:
        _check_pair(z, self.centers)


@torch.no_grad()
def normalize_center_grad_(layer: ClusterLayer, scale: float) -> None:
    """Replace each centre's gradient row by ``scale * g_j / ||g_j||`` (the official normalised-gradient step;
    rows with zero gradient stay zero).

    Args:
        layer: the cluster layer whose ``centers.grad`` is set.
        scale: the length of each non-zero gradient row.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < math.inf:
        raise ValueError(f"scale must be a finite number > 0, got {scale!r}")
    g = layer.centers.grad
    if g is None:
        return
    norm = g.norm(dim=1, keepdim=True)
    g.copy_(torch.where(norm > 0, g / norm.clamp_min(torch.finfo(g.dtype).tiny) * scale, torch.zeros_like(g)))


@torch.no_grad()
def lloyd_step_(
    layer: ClusterLayer,
    z: torch.Tensor,
    *,
    step_fraction: float = 1.0,
    counts: torch.Tensor | None = None,
) -> torch.Tensor:
    """One gradient step on the k-means loss with per-centre rate ``eta_j = lambda n / (2 N_j)``.

    With ``counts=None``, ``N_j = n_j`` (points of ``z`` assigned to ``j``) and ``lambda = 1`` gives exactly
    Lloyd's update ``Omega_j <- mu_j``; any ``lambda`` in (0, 2) strictly decreases the loss for fixed
    assignments. With a running ``counts`` tensor (updated in place), ``N_j`` is the total number of points
    ever assigned to ``j`` and the step is MacQueen's online / mini-batch k-means rate ``n_j / N_j``.
    Centres without points do not move.

    Args:
        layer: the cluster layer (its centres are updated in place).
        z: a batch of samples or codes, shape (n, p).
        step_fraction: lambda.
        counts: optional float tensor (K,) of running counts, updated in place.

    Returns:
        The batch's assignment (n,).
    """
    if not isinstance(layer, ClusterLayer):
        raise TypeError(f"layer must be a ClusterLayer, got {type(layer).__name__}")
    if (
        isinstance(step_fraction, bool)
        or not isinstance(step_fraction, (int, float))
        or not 0 < step_fraction < math.inf
    ):
        raise ValueError(
            f"step_fraction must be a finite number > 0 (in (0, 2) the loss decreases), got {step_fraction!r}"
        )
    if counts is not None and (not isinstance(counts, torch.Tensor) or counts.shape != (layer.n_clusters,)):
        got = tuple(counts.shape) if isinstance(counts, torch.Tensor) else type(counts).__name__
        raise ValueError(f"counts must be a tensor of shape ({layer.n_clusters},), got {got}")
    assign = layer.assign(z)
    with torch.enable_grad():
        centers = layer.centers
        loss = layer.kmeans_loss(z, assign)
        (grad,) = torch.autograd.grad(loss, centers)
    n_j = torch.bincount(assign, minlength=layer.n_clusters).to(z.dtype)
    if counts is not None:
        counts += n_j.to(counts.dtype)
        big_n = counts.to(z.dtype)
    else:
        big_n = n_j
    eta = torch.where(big_n > 0, step_fraction * z.shape[0] / (2.0 * big_n.clamp_min(1.0)), 0.0)
    layer.centers.sub_(eta[:, None] * grad)
    return assign
