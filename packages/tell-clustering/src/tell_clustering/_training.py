"""Training loops behind :class:`~tell_clustering.TELLClustering` (shallow and deep), centre initialisation,
empty-cluster re-seeding and atomic checkpoints. Private: the estimator is the public face."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from tell_clustering.layer import ClusterLayer, lloyd_step_, normalize_center_grad_, squared_distances
from tell_clustering.models import Phase, TELLNet

INITS = ("k-means++", "random", "official")
OPTIMIZERS = ("adam", "sgd", "adadelta", "lloyd")
CENTER_STEP = 0.1  # official 0.2 alpha in units of W = 2 alpha Omega, i.e. 0.1 in units of Omega
DEFAULT_LR = {  # (shallow, deep)
    "adam": (0.05, 1e-3),
    "sgd": (0.05, 0.01),
    "adadelta": (1.0, 1.0),
}


def init_centers(
    Z: np.ndarray, n_clusters: int, init: Any, rs: np.random.RandomState, *, spherical: bool
) -> np.ndarray:
    """Initial centres (K, p) from samples or codes ``Z`` (n, p): k-means++ (scikit-learn's), random
    samples, random directions on the sphere (the official code) or a given array."""
    p = Z.shape[1]
    if isinstance(init, str):
        if init == "k-means++":
            from sklearn.cluster import kmeans_plusplus

            c, _ = kmeans_plusplus(Z, n_clusters, random_state=rs)
        elif init == "random":
            c = Z[rs.choice(Z.shape[0], n_clusters, replace=False)]
        elif init == "official":
            c = rs.standard_normal((n_clusters, p))
        else:  # pragma: no cover - validated by the estimator
            raise ValueError(f"init must be one of {INITS} or an array, got {init!r}")
    else:
        c = np.asarray(init, dtype=np.float64)
    c = np.array(c, dtype=np.float64)
    if spherical:
        c /= np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    return c


@torch.no_grad()
def reseed_empty_(layer: ClusterLayer, Z: torch.Tensor, labels: torch.Tensor) -> int:
    """Move every centre without points onto the points farthest from their own centre (as scikit-learn's
    KMeans does); returns the number of re-seeded centres. ``labels`` is updated in place."""
    counts = torch.bincount(labels, minlength=layer.n_clusters)
    empty = torch.nonzero(counts == 0).flatten()
    if empty.numel() == 0:
        return 0
    d = squared_distances(Z, layer.centers).gather(1, labels[:, None]).squeeze(1)
    far = torch.argsort(d, descending=True)[: empty.numel()]
    layer.centers[empty] = Z[far].to(layer.centers.dtype)
    labels[far] = empty
    layer.renormalize_()
    return int(empty.numel())


def batches(
    n: int, batch_size: int | None, gen: torch.Generator, *, drop_last: bool = False
) -> Iterator[torch.Tensor]:
    """Shuffled index batches of one epoch (the whole set, unshuffled, when ``batch_size`` is None or >= n)."""
    if batch_size is None or batch_size >= n:
        yield torch.arange(n)
        return
    perm = torch.randperm(n, generator=gen)
    stop = n - n % batch_size if drop_last else n
    for i in range(0, stop, batch_size):
        yield perm[i : i + batch_size]


def make_optimizer(name: str, params: Any, lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS[:3]} here, got {name!r}")


@dataclasses.dataclass
class ShallowResult:
    centers: torch.Tensor
    labels: torch.Tensor
    inertia: float
    n_iter: int
    loss_curve: list[float]


def fit_shallow(
    X: torch.Tensor,
    centers0: np.ndarray,
    *,
    seed: int,
    spherical: bool,
    alpha: float,
    max_epochs: int,
    batch_size: int | None,
    optimizer: str,
    lr: float,
    step_fraction: float,
    tol: float,
) -> ShallowResult:
    """k-means as a one-layer network trained by (mini-batch) gradient descent on the k-means loss."""
    K = centers0.shape[0]
    c0 = torch.as_tensor(centers0, dtype=X.dtype, device=X.device)
    layer = ClusterLayer(K, X.shape[1], spherical=spherical, alpha=alpha, centers=c0)
    gen = torch.Generator().manual_seed(seed)
    full = batch_size is None or batch_size >= X.shape[0]
    counts = None if full else torch.zeros(K, dtype=X.dtype, device=X.device)
    opt = None if optimizer == "lloyd" else make_optimizer(optimizer, [layer.centers], lr)
    tol_abs = tol * float(X.var(0).mean()) if X.shape[0] > 1 else 0.0
    prev_labels: torch.Tensor | None = None
    curve: list[float] = []
    n_iter = 0
    for epoch in range(max_epochs):
        prev = layer.centers.detach().clone()
        for idx in batches(X.shape[0], batch_size, gen):
            xb = X[idx.to(X.device)]
            if opt is None:
                lloyd_step_(layer, xb, step_fraction=step_fraction, counts=counts)
            else:
                loss = layer.kmeans_loss(xb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if spherical:
                    normalize_center_grad_(layer, CENTER_STEP)
                opt.step()
            layer.renormalize_()
        n_iter = epoch + 1
        with torch.no_grad():
            labels = layer.assign(X)
            reseed_empty_(layer, X, labels)
            curve.append(float(layer.kmeans_loss(X, labels)))
            shift = float(((layer.centers - prev) ** 2).sum())
        if prev_labels is not None and torch.equal(labels, prev_labels) and shift <= tol_abs:
            break
        prev_labels = labels
    with torch.no_grad():
        d = layer.distances(X)
        labels = d.argmin(1)
        inertia = float(d.gather(1, labels[:, None]).sum())
    return ShallowResult(layer.centers.detach().clone(), labels, inertia, n_iter, curve)


# ------------------------------------------------------------------------------------------- deep


def atomic_torch_save(obj: Any, path: str | os.PathLike[str]) -> None:
    """``torch.save`` to a temporary file in the same folder, then ``os.replace`` (never a torn checkpoint)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@torch.no_grad()
def encode_all(net: TELLNet, X: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """Codes of all of ``X`` in eval mode, in chunks."""
    was = net.training
    net.eval()
    out = torch.cat([net.encode(X[i : i + chunk]) for i in range(0, X.shape[0], chunk)])
    net.train(was)
    return out


def phase_of(epoch: int, warmup: int, alternate: bool) -> Phase:
    """The official schedule: reconstruction-only warm-up, then even epochs move the centres (codes detached)
    and odd epochs the codes (centres frozen); ``alternate=False`` moves both every step."""
    if epoch < warmup:
        return "warmup"
    if not alternate:
        return "joint"
    return "centers" if (epoch - warmup) % 2 == 0 else "codes"


def fit_deep(
    net: TELLNet,
    X: torch.Tensor,
    *,
    init_fn: Callable[[torch.Tensor], np.ndarray],
    seed: int,
    optimizer: str,
    lr: float,
    max_epochs: int,
    warmup: int,
    batch_size: int,
    alternate: bool,
    cluster_weight: float,
    center_step: float,
    checkpoint: str | None,
    fingerprint: str,
    log: Callable[[str], None] | None = None,
) -> list[float]:
    """Train TELL end to end (Sec. 4): warm-up, centre initialisation on the codes, alternating epochs.

    With ``checkpoint`` the full state (network, optimizer, shuffling and dropout RNG, epoch, loss curve) is
    written atomically after every epoch, and a later call with the same fingerprint resumes exactly there.
    """
    opt = make_optimizer(optimizer, net.parameters(), lr)
    gen = torch.Generator().manual_seed(seed)
    start, curve, initialised = 0, [], False
    if checkpoint is not None and Path(checkpoint).exists():
        if Path(checkpoint).is_dir():
            raise ValueError(f"checkpoint must be a file path, got the directory {checkpoint!r}")
        try:
            state = torch.load(checkpoint, map_location=X.device, weights_only=False)
        except Exception as err:
            raise ValueError(
                f"checkpoint {checkpoint!r} could not be read (truncated or corrupt?): {type(err).__name__}; "
                "delete it to start afresh"
            ) from err
        if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
            raise ValueError(
                f"checkpoint {checkpoint!r} belongs to another configuration or data set; "
                "delete it or pass another checkpoint path"
            )
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["gen"])
        torch.set_rng_state(state["torch_rng"])
        if state.get("cuda_rng") is not None and X.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], X.device)
        start, curve, initialised = state["epoch"], list(state["loss_curve"]), state["initialised"]
    total = warmup + max_epochs
    drop_last = X.shape[0] > batch_size
    for epoch in range(start, total):
        phase = phase_of(epoch, warmup, alternate)
        if phase != "warmup" and not initialised:
            with torch.no_grad():
                c = torch.as_tensor(init_fn(encode_all(net, X)), dtype=X.dtype, device=X.device)
                net.cluster.centers.copy_(c)
                net.cluster.renormalize_()
            initialised = True
        net.train()
        tot, nb = 0.0, 0
        for idx in batches(X.shape[0], batch_size, gen, drop_last=drop_last):
            rec, clu = net.train_step(
                X[idx.to(X.device)], opt, phase=phase, cluster_weight=cluster_weight, center_step=center_step
            )
            tot, nb = tot + rec + clu, nb + 1
        if phase != "warmup":
            Z = encode_all(net, X)
            reseed_empty_(net.cluster, Z, net.cluster.assign(Z))
        curve.append(tot / max(nb, 1))
        if log is not None:
            log(f"epoch {epoch + 1}/{total} ({phase}): loss {curve[-1]:.5f}")
        if checkpoint is not None:
            atomic_torch_save(
                {
                    "fingerprint": fingerprint,
                    "epoch": epoch + 1,
                    "net": net.state_dict(),
                    "optimizer": opt.state_dict(),
                    "gen": gen.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state(X.device) if X.device.type == "cuda" else None,
                    "loss_curve": curve,
                    "initialised": initialised,
                },
                checkpoint,
            )
    if not initialised:  # max_epochs >= 1 makes this unreachable; kept for safety
        net.cluster.centers.data.copy_(torch.as_tensor(init_fn(encode_all(net, X)), dtype=X.dtype))
    return curve


def normalize_rows(X: torch.Tensor) -> torch.Tensor:
    return F.normalize(X, dim=1)
