"""``TELLClustering``: TELL as a scikit-learn clusterer (shallow k-means network, or deep with an autoencoder)."""

from __future__ import annotations

import hashlib
import math
import numbers
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from tell_clustering import _training as T
from tell_clustering.layer import ClusterLayer, lloyd_step_
from tell_clustering.models import ConvAutoencoder, MLPAutoencoder, TELLNet

__all__ = ["TELL", "TELLClustering"]


def _positive_int(name: str, value: Any, minimum: int = 1) -> None:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


def _nonneg(name: str, value: Any, strict: bool = False) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not ok or value < 0 or (strict and value == 0):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} 0, got {value!r}")


class TELLClustering(ClusterMixin, TransformerMixin, BaseEstimator):
    """TELL: k-means as an interpretable neural network (Peng et al., JMLR 2022), as a scikit-learn clusterer.

    Shallow mode (``encoder=None``): the cluster layer alone on the inputs; its centres (``cluster_centers_``,
    the layer's weights ``W = 2 Omega``) are trained by gradient descent on the k-means loss, mini-batch or
    full-batch. With ``optimizer="lloyd"`` each centre takes the step ``eta_j = lambda n / (2 n_j)``: full-batch
    that is Lloyd's algorithm, mini-batch MacQueen's online k-means. Deep mode (``encoder="mlp"``, ``"conv"`` or
    a module with ``encode``/``decode``): the layer sits on the codes of an autoencoder trained jointly with the
    official alternating schedule; ``decode_centers()`` renders each cluster's prototype.

    Args:
        n_clusters: number of clusters K.
        encoder: None (shallow), ``"mlp"`` (:class:`~tell_clustering.models.MLPAutoencoder`), ``"conv"``
            (:class:`~tell_clustering.models.ConvAutoencoder`, the official MNIST network) or an ``nn.Module``
            with ``encode(x) -> (n, latent_dim)`` and ``decode(z)`` (copied, never modified).
        latent_dim: code dimension of the built-in autoencoders (official 10).
        hidden: hidden widths of the MLP autoencoder (official (500, 500, 2000)).
        dropout: dropout in the MLP encoder (official 0.2).
        image_shape: ``(C, H, W)`` of the rows of X for ``encoder="conv"`` (default: one square channel).
        spherical: ``"auto"`` (True with an encoder, False without), or a bool: unit-norm codes and centres,
            as the official code.
        alpha: scale of the spherical layer, ``W = 2 alpha Omega`` (official 0.001).
        init: ``"k-means++"`` (on the codes after warm-up in deep mode), ``"random"`` (random samples),
            ``"official"`` (random directions, as the official code) or an array (K, p).
        n_init: restarts (shallow) or candidate initialisations (deep); the lowest inertia is kept.
        max_epochs: training epochs (after the warm-up in deep mode).
        batch_size: mini-batch size; None trains full-batch.
        optimizer: ``"adam"``, ``"sgd"``, ``"adadelta"`` (the official optimizer) or ``"lloyd"`` (shallow
            only: the per-centre rate above).
        lr: learning rate; None picks 0.05 (shallow Adam/SGD), 1e-3 (deep Adam), 0.01 (deep SGD), 1.0 (Adadelta).
        step_fraction: lambda of ``optimizer="lloyd"`` and of ``partial_fit`` (in (0, 2) the loss decreases).
        cluster_weight: weight of the cluster loss against the reconstruction (official 0.01).
        alternate: the official alternating epochs (centres, then codes); False updates both every step.
        ae_warmup_epochs: reconstruction-only epochs before the centres are initialised (official 0).
        tol: shallow mode stops when the labels no longer change and the centres moved less than
            ``tol`` times the mean feature variance (as scikit-learn's KMeans); 0 disables it.
        checkpoint: deep mode: a file the full training state is written to (atomically) after every epoch;
            a fit with the same settings and data resumes from it.
        random_state: seed (int), RandomState or None.
        device: torch device, e.g. ``"cpu"`` or ``"cuda"``.
        verbose: print the loss per epoch (deep mode).
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        encoder: Any = None,
        latent_dim: int = 10,
        hidden: tuple[int, ...] = (500, 500, 2000),
        dropout: float = 0.2,
        image_shape: tuple[int, int, int] | None = None,
        spherical: Any = "auto",
        alpha: float = 1e-3,
        init: Any = "k-means++",
        n_init: int = 1,
        max_epochs: int = 100,
        batch_size: int | None = 256,
        optimizer: str = "adam",
        lr: float | None = None,
        step_fraction: float = 1.0,
        cluster_weight: float = 0.01,
        alternate: bool = True,
        ae_warmup_epochs: int = 0,
        tol: float = 1e-4,
        checkpoint: str | None = None,
        random_state: Any = None,
        device: str = "cpu",
        verbose: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.encoder = encoder
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.dropout = dropout
        self.image_shape = image_shape
        self.spherical = spherical
        self.alpha = alpha
        self.init = init
        self.n_init = n_init
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.step_fraction = step_fraction
        self.cluster_weight = cluster_weight
        self.alternate = alternate
        self.ae_warmup_epochs = ae_warmup_epochs
        self.tol = tol
        self.checkpoint = checkpoint
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ----------------------------------------------------------------------------------- validation

    def _check_params(self, n_samples: int, n_features: int) -> None:
        _positive_int("n_clusters", self.n_clusters)
        if n_samples < self.n_clusters:
            raise ValueError(f"n_samples={n_samples} should be >= n_clusters={self.n_clusters}.")
        enc = self.encoder
        if not (enc is None or enc in ("mlp", "conv") or isinstance(enc, nn.Module)):
            raise ValueError(f"encoder must be None, 'mlp', 'conv' or an nn.Module, got {enc!r}")
        if isinstance(enc, nn.Module) and not all(
            callable(getattr(enc, m, None)) for m in ("encode", "decode")
        ):
            raise ValueError(
                f"an encoder module must define encode(x) and decode(z); {type(enc).__name__} does not"
            )
        if enc == "mlp":
            hidden = self.hidden
            if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
                raise ValueError(f"hidden must be a sequence of positive int widths, got {hidden!r}")
            for h in hidden:
                _positive_int("hidden widths", h)
        _positive_int("latent_dim", self.latent_dim)
        _positive_int("n_init", self.n_init)
        _positive_int("max_epochs", self.max_epochs)
        _positive_int("ae_warmup_epochs", self.ae_warmup_epochs, minimum=0)
        if self.batch_size is not None:
            _positive_int("batch_size", self.batch_size)
        if self.spherical not in ("auto", True, False):
            raise ValueError(f"spherical must be 'auto', True or False, got {self.spherical!r}")
        _nonneg("alpha", self.alpha, strict=True)
        _nonneg("cluster_weight", self.cluster_weight)
        _nonneg("tol", self.tol)
        _nonneg("step_fraction", self.step_fraction, strict=True)
        _nonneg("dropout", self.dropout)
        if self.lr is not None:
            _nonneg("lr", self.lr, strict=True)
        if self.optimizer not in T.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {T.OPTIMIZERS}, got {self.optimizer!r}")
        if self.optimizer == "lloyd" and enc is not None:
            raise ValueError(
                "optimizer='lloyd' is the shallow k-means rate; with an encoder use adam, sgd or adadelta"
            )
        if isinstance(self.init, str):
            if self.init not in T.INITS:
                raise ValueError(
                    f"init must be one of {T.INITS} or an array (n_clusters, dim), got {self.init!r}"
                )
        else:
            dim = n_features if enc is None else self.latent_dim
            shape = np.shape(self.init)
            if shape != (self.n_clusters, dim):
                raise ValueError(
                    f"init array must have shape (n_clusters, dim) = ({self.n_clusters}, {dim}), got {shape}"
                )
            if not np.all(np.isfinite(np.asarray(self.init, dtype=np.float64))):
                raise ValueError("init array must be finite")

    def _device(self) -> torch.device:
        dev = torch.device(self.device)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"device={self.device!r} was asked for, but CUDA is not available here")
        return dev

    def _spherical(self) -> bool:
        return self.encoder is not None if self.spherical == "auto" else bool(self.spherical)

    def _lr(self) -> float:
        if self.lr is not None:
            return float(self.lr)
        if self.optimizer == "lloyd":
            return 0.0
        return T.DEFAULT_LR[self.optimizer][self.encoder is not None]

    def _image_shape(self, n_features: int) -> tuple[int, int, int]:
        if self.image_shape is not None:
            shape = tuple(int(s) for s in self.image_shape)
            if len(shape) != 3 or int(np.prod(shape)) != n_features:
                raise ValueError(
                    f"image_shape {self.image_shape!r} must be (C, H, W) with C*H*W = n_features = {n_features}"
                )
            return shape  # type: ignore[return-value]
        side = int(round(n_features**0.5))
        if side * side != n_features or side % 4:
            raise ValueError(
                f"encoder='conv' cannot reshape {n_features} features into one square image with a side divisible "
                "by 4; pass image_shape=(C, H, W)"
            )
        return (1, side, side)

    # ---------------------------------------------------------------------------------- tensors

    def _to_tensor(self, X: np.ndarray) -> torch.Tensor:
        dtype = torch.float64 if self.encoder is None else torch.float32
        return torch.as_tensor(np.ascontiguousarray(X), dtype=dtype, device=self._device())

    def _inputs(self, Xt: torch.Tensor) -> torch.Tensor:
        """What the network sees: normalised rows (shallow spherical) or images (conv)."""
        if self.encoder is None:
            return T.normalize_rows(Xt) if self.spherical_ else Xt
        if self.encoder == "conv":
            return Xt.reshape(Xt.shape[0], *self.image_shape_)
        return Xt

    def _codes(self, X: Any, reset: bool = False) -> torch.Tensor:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        Xi = self._inputs(self._to_tensor(X))
        if self.encoder is None:
            return Xi
        return T.encode_all(self.net_, Xi).double()  # distances in float64 (no cancellation in the expansion)

    def _layer(self) -> ClusterLayer:
        check_is_fitted(self)
        if self.encoder is None:
            return self.cluster_layer_
        c = self.cluster_layer_.centers.detach().to(torch.float64)
        layer = ClusterLayer(
            self.n_clusters, c.shape[1], spherical=self.spherical_, alpha=self.alpha, centers=c
        )
        return layer.requires_grad_(False)

    def _finish(self, Z: torch.Tensor) -> None:
        with torch.no_grad():
            d = self._layer().distances(Z.to(torch.float64))
            labels = d.argmin(1)
            self.labels_ = labels.cpu().numpy().astype(np.int64)
            self.inertia_ = float(d.gather(1, labels[:, None]).sum())
        self.cluster_centers_ = self._layer().centers.detach().cpu().double().numpy().copy()
        found = len(np.unique(self.labels_))
        if found < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({found}) found smaller than n_clusters ({self.n_clusters}): "
                "X may have duplicate points.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------------------------------ fit

    def fit(self, X: Any, y: Any = None) -> TELLClustering:
        """Train the network on X.

        Args:
            X: array-like (n_samples, n_features), dense, finite.
            y: ignored.

        Returns:
            self.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=1)
        self._check_params(*X.shape)
        rs = check_random_state(self.random_state)
        self.spherical_ = self._spherical()
        if self.encoder == "conv":
            self.image_shape_ = self._image_shape(X.shape[1])
        Xi = self._inputs(self._to_tensor(X))
        if self.encoder is None:
            self._fit_shallow(Xi, rs)
        else:
            self._fit_deep(X, Xi, rs)
        return self

    def _fit_shallow(self, Xi: torch.Tensor, rs: np.random.RandomState) -> None:
        Z = Xi.cpu().numpy()
        best = None
        n_init = 1 if not isinstance(self.init, str) else self.n_init
        for _ in range(n_init):
            c0 = T.init_centers(Z, self.n_clusters, self.init, rs, spherical=self.spherical_)
            res = T.fit_shallow(
                Xi,
                c0,
                seed=int(rs.randint(np.iinfo(np.int32).max)),
                spherical=self.spherical_,
                alpha=self.alpha,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                optimizer=self.optimizer,
                lr=self._lr(),
                step_fraction=self.step_fraction,
                tol=self.tol,
            )
            if best is None or res.inertia < best.inertia:
                best = res
        assert best is not None
        layer = ClusterLayer(
            self.n_clusters, Xi.shape[1], spherical=self.spherical_, alpha=self.alpha, centers=best.centers
        )
        self.cluster_layer_ = layer.requires_grad_(False)
        self.n_iter_ = best.n_iter
        self.loss_curve_ = best.loss_curve
        self._finish(Xi)
        self.counts_ = np.bincount(self.labels_, minlength=self.n_clusters).astype(np.float64)
        self.n_steps_ = 0

    def _build_net(self, n_features: int, dev: torch.device) -> TELLNet:
        if isinstance(self.encoder, nn.Module):
            import copy

            ae = copy.deepcopy(self.encoder)
        elif self.encoder == "conv":
            c, h, w = self.image_shape_
            ae = ConvAutoencoder(c, h, w, latent=self.latent_dim)
        else:
            ae = MLPAutoencoder(
                n_features, hidden=tuple(self.hidden), latent=self.latent_dim, dropout=float(self.dropout)
            )
        return TELLNet(ae, self.n_clusters, self.latent_dim, spherical=self.spherical_, alpha=self.alpha).to(
            dev
        )

    def _fingerprint(self, X: np.ndarray) -> str:
        params = {
            k: v
            for k, v in self.get_params(deep=False).items()
            if k not in ("max_epochs", "checkpoint", "verbose", "device")
        }
        h = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in params.items())).encode())
        h.update(np.ascontiguousarray(X).tobytes())
        return h.hexdigest()

    def _init_on_codes(self, rs: np.random.RandomState) -> Any:
        def init_fn(Z: torch.Tensor) -> np.ndarray:
            Zn = Z.detach().cpu().double().numpy()
            n_init = 1 if not isinstance(self.init, str) else self.n_init
            best, best_inertia = None, np.inf
            for _ in range(n_init):
                c = T.init_centers(Zn, self.n_clusters, self.init, rs, spherical=self.spherical_)
                inertia = float(((Zn[:, None, :] - c[None]) ** 2).sum(-1).min(1).sum())
                if inertia < best_inertia:
                    best, best_inertia = c, inertia
            assert best is not None
            return best

        return init_fn

    def _fit_deep(self, X: np.ndarray, Xi: torch.Tensor, rs: np.random.RandomState) -> None:
        dev = Xi.device
        seed = int(rs.randint(np.iinfo(np.int32).max))
        devices = (
            [dev.index if dev.index is not None else torch.cuda.current_device()]
            if dev.type == "cuda"
            else []
        )
        with torch.random.fork_rng(devices=devices):  # the caller's global RNG is left untouched
            torch.manual_seed(seed)
            net = self._build_net(X.shape[1], dev)
            bs = self.batch_size if self.batch_size is not None else X.shape[0]
            self.loss_curve_ = T.fit_deep(
                net,
                Xi,
                init_fn=self._init_on_codes(rs),
                seed=seed,
                optimizer=self.optimizer,
                lr=self._lr(),
                max_epochs=self.max_epochs,
                warmup=self.ae_warmup_epochs,
                batch_size=bs,
                alternate=self.alternate,
                cluster_weight=self.cluster_weight,
                center_step=T.CENTER_STEP,
                checkpoint=self.checkpoint,
                fingerprint=self._fingerprint(X),
                log=print if self.verbose else None,
            )
        net.eval()
        self.net_ = net
        self.cluster_layer_ = net.cluster
        self.n_iter_ = self.ae_warmup_epochs + self.max_epochs
        self._finish(T.encode_all(net, Xi))
        self.optimizer_: torch.optim.Optimizer | None = None  # partial_fit after fit starts a fresh one
        self.n_steps_ = 0

    def partial_fit(self, X: Any, y: Any = None) -> TELLClustering:
        """One online step on a batch (TELL's online clustering).

        Shallow mode: one assignment and one centre step with MacQueen's per-centre rate ``step_fraction *
        b_j / N_j`` (``N_j`` counts every point ever assigned to centre j; kept in ``counts_``). Deep mode: one
        optimizer step of the network, centres and codes alternating between calls. The first call
        initialises the centres on the batch (which needs at least ``n_clusters`` samples).

        Args:
            X: a batch (n_samples, n_features).
            y: ignored.

        Returns:
            self.
        """
        first = not hasattr(self, "cluster_layer_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        if first:
            self._check_params(*X.shape)
            self.spherical_ = self._spherical()
            if self.encoder == "conv":
                self.image_shape_ = self._image_shape(X.shape[1])
        rs = check_random_state(self.random_state)
        Xi = self._inputs(self._to_tensor(X))
        if self.encoder is None:
            if first:
                c0 = T.init_centers(
                    Xi.cpu().numpy(), self.n_clusters, self.init, rs, spherical=self.spherical_
                )
                c0t = torch.as_tensor(c0, dtype=Xi.dtype, device=Xi.device)
                layer = ClusterLayer(
                    self.n_clusters, X.shape[1], spherical=self.spherical_, alpha=self.alpha, centers=c0t
                )
                self.cluster_layer_ = layer.requires_grad_(False)
                self.counts_ = np.zeros(self.n_clusters)
                self.n_steps_ = 0
            counts = torch.as_tensor(self.counts_, dtype=Xi.dtype, device=Xi.device)
            self.cluster_layer_.requires_grad_(True)
            lloyd_step_(self.cluster_layer_, Xi, step_fraction=self.step_fraction, counts=counts)
            self.cluster_layer_.requires_grad_(False).renormalize_()
            self.counts_ = counts.cpu().numpy()
            Z = Xi
        else:
            if first:
                seed = int(rs.randint(np.iinfo(np.int32).max))
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    self.net_ = self._build_net(X.shape[1], Xi.device)
                self.cluster_layer_ = self.net_.cluster
                c0 = self._init_on_codes(rs)(T.encode_all(self.net_, Xi))
                with torch.no_grad():
                    self.cluster_layer_.centers.copy_(torch.as_tensor(c0, dtype=Xi.dtype))
                self.optimizer_ = T.make_optimizer(self.optimizer, self.net_.parameters(), self._lr())
                self.n_steps_ = 0
            if self.optimizer_ is None:
                self.optimizer_ = T.make_optimizer(self.optimizer, self.net_.parameters(), self._lr())
            phase = T.phase_of(self.n_steps_, 0, self.alternate)
            self.net_.train()
            self.net_.train_step(
                Xi,
                self.optimizer_,
                phase=phase,
                cluster_weight=self.cluster_weight,
                center_step=T.CENTER_STEP,
            )
            self.net_.eval()
            Z = T.encode_all(self.net_, Xi)
        self.n_steps_ += 1
        self.n_iter_ = self.n_steps_
        self._finish_quiet(Z)
        return self

    def _finish_quiet(self, Z: torch.Tensor) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self._finish(Z)

    # ------------------------------------------------------------------------------------ inference

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centre (the argmax of the cluster layer) for each sample.

        Args:
            X: array-like (n_samples, n_features).

        Returns:
            int64 array (n_samples,).
        """
        return self._layer().assign(self._codes(X)).cpu().numpy().astype(np.int64)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return ``labels_``.

        Args:
            X: array-like (n_samples, n_features).
            y: ignored.

        Returns:
            int64 array (n_samples,).
        """
        return self.fit(X).labels_

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances to the centres (in the latent space in deep mode), like KMeans.transform.

        Args:
            X: array-like (n_samples, n_features).

        Returns:
            float64 array (n_samples, n_clusters).
        """
        return self._layer().distances(self._codes(X)).sqrt().detach().cpu().double().numpy()

    def score(self, X: Any, y: Any = None) -> float:
        """Opposite of the k-means objective (sum of squared distances to the nearest centre) on X.

        Args:
            X: array-like (n_samples, n_features).
            y: ignored.

        Returns:
            float.
        """
        return -float(self._layer().distances(self._codes(X)).min(1).values.sum())

    def cluster_evidence(self, X: Any) -> np.ndarray:
        """The layer's own explanation of each assignment: per-feature terms ``W_jd z_id`` (n, K, p) whose sum
        over features plus the bias is the cluster score (``z`` are the codes in deep mode).

        Args:
            X: array-like (n_samples, n_features).

        Returns:
            float64 array (n_samples, n_clusters, dim).
        """
        return self._layer().contributions(self._codes(X)).detach().cpu().double().numpy()

    def decode_centers(self) -> np.ndarray:
        """The decoder's rendering of each centre (the paper's interpretable prototypes), one row per cluster.

        Returns:
            float64 array (n_clusters, n_features).
        """
        check_is_fitted(self)
        if self.encoder is None:
            raise ValueError(
                "decode_centers needs an encoder; in shallow mode cluster_centers_ are the prototypes"
            )
        with torch.no_grad():
            out = self.net_.decode(self.cluster_layer_.centers)
        return out.reshape(self.n_clusters, -1).cpu().double().numpy()


TELL = TELLClustering
