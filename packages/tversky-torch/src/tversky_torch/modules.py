"""Tversky similarity and projection layers (paper Sec. 2.2-2.5)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from tversky_torch import functional as TF
from tversky_torch.options import INITS, SCALARS, TverskyOptions, resolve_options

__all__ = ["DataDomainParameter", "SharedFeatureBank", "TverskyProjection", "TverskySimilarity"]


def _check_pos_int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{name} must be a positive int, got {v!r} ({type(v).__name__})")
    if v < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {v}")
    return v


def init_tensor_(t: torch.Tensor, init: str) -> torch.Tensor:
    """Initialise a ``(rows, d)`` tensor in place.

    ``uniform``: U[0, 1) (all positive, so every feature starts active for non-negative inputs; the default of
    public Tversky code and the best init for XOR); ``normal``: N(0, 1/d); ``orthogonal``; ``xavier_uniform``.

    Pitfall: with ``uniform`` and non-negative inputs (ReLU / pooled CNN features) every dot product is positive,
    so every set holds every feature, the difference terms vanish and the similarities are large; use
    ``normal`` for classifier and LM heads.
    """
    with torch.no_grad():
        if init == "uniform":
            return nn.init.uniform_(t, 0.0, 1.0)
        if init == "normal":
            return nn.init.normal_(t, 0.0, 1.0 / math.sqrt(t.shape[-1]))
        if init == "orthogonal":
            return nn.init.orthogonal_(t)
        if init == "xavier_uniform":
            return nn.init.xavier_uniform_(t)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


class SharedFeatureBank(nn.Module):
    """One feature bank ``Omega = {f_1..f_K}`` (``weight``: ``(num_features, dim)``) to share between layers.

    Pass the module (or its ``weight``) as ``feature_bank=`` to several :class:`TverskyProjection` /
    :class:`TverskySimilarity` layers; ``model.parameters()`` then counts it once.
    """

    def __init__(self, num_features: int, dim: int, *, init: str = "uniform") -> None:
        super().__init__()
        self.num_features = _check_pos_int("num_features", num_features)
        self.dim = _check_pos_int("dim", dim)
        self.weight = nn.Parameter(torch.empty(num_features, dim))
        self.init = init
        init_tensor_(self.weight, init)

    def forward(self) -> torch.Tensor:
        return self.weight

    def extra_repr(self) -> str:
        return f"num_features={self.num_features}, dim={self.dim}, init={self.init!r}"


class DataDomainParameter(nn.Module):
    """Prototypes or features specified in the data domain (paper Sec. 2.5): ``forward() = encoder(raw)``.

    ``raw`` has shape ``(n, *shape)`` (e.g. ``(10, 1, 8, 8)`` images) and goes through the *same* encoder ``g``
    that embeds the inputs, so the learned tensors can be drawn as data (:meth:`images`). Pass the module as
    ``prototypes=`` or ``feature_bank=`` of a Tversky layer; for the paper's linear baseline use it as the
    weight of a linear head (``x @ ddp().T``).
    """

    def __init__(self, encoder: nn.Module, shape: Sequence[int], n: int, *, init: str = "uniform") -> None:
        super().__init__()
        if not isinstance(encoder, nn.Module):
            raise TypeError(f"encoder must be an nn.Module, got {type(encoder).__name__}")
        self.n = _check_pos_int("n", n)
        self.shape = tuple(_check_pos_int(f"shape[{i}]", s) for i, s in enumerate(shape))
        self.encoder = encoder
        self.raw = nn.Parameter(torch.empty(n, *self.shape))
        if init == "uniform":
            nn.init.uniform_(self.raw, 0.0, 1.0)
        elif init == "normal":
            nn.init.normal_(self.raw)
        else:
            raise ValueError(f"init must be 'uniform' or 'normal' for data-domain parameters, got {init!r}")

    def forward(self) -> torch.Tensor:
        out = self.encoder(self.raw)
        return out.reshape(self.n, -1)

    def images(self) -> torch.Tensor:
        """The data-domain tensors, detached, on the CPU: ``(n, *shape)``."""
        return self.raw.detach().cpu()

    def extra_repr(self) -> str:
        return f"n={self.n}, shape={self.shape}"


def _make_source(name: str, src: Any, rows: int, dim: int, init: str) -> nn.Parameter | nn.Module:
    """A prototype / feature source: a fresh parameter, a given (shared or tied) parameter, or a module."""
    if src is None:
        p = nn.Parameter(torch.empty(rows, dim))
        init_tensor_(p, init)
        return p
    if isinstance(src, SharedFeatureBank):
        src = src.weight
    if isinstance(src, nn.Module):
        return src
    if isinstance(src, torch.Tensor):
        if src.dim() != 2 or src.shape[-1] != dim:
            raise ValueError(f"{name} must have shape (n, {dim}), got {tuple(src.shape)}")
        if not src.is_floating_point():
            raise TypeError(f"{name} must be floating point, got dtype {src.dtype}")
        return src if isinstance(src, nn.Parameter) else nn.Parameter(src)
    raise TypeError(
        f"{name} must be None, an nn.Parameter, a SharedFeatureBank or an nn.Module, got {type(src).__name__}"
    )


def _option(name: str) -> Any:
    """A read-only attribute that shows the layer's option ``name`` (``layer.options`` holds them all)."""
    return property(lambda self: getattr(self.options, name), doc=f"``options.{name}`` (read-only)")


class _TverskyBase(nn.Module):
    """Feature bank, alpha / beta / theta and the options (:class:`TverskyOptions`) shared by both layers."""

    feature_bank: nn.Parameter | nn.Module
    alpha: torch.Tensor
    beta: torch.Tensor
    theta: torch.Tensor
    options: TverskyOptions

    model = _option("model")
    intersection = _option("intersection")
    difference = _option("difference")
    learnable = _option("learnable")
    init = _option("init")
    threshold = _option("threshold")
    normalize = _option("normalize")
    exact_per_feature = _option("exact_per_feature")
    chunk_size = _option("chunk_size")
    gmean_eps = _option("gmean_eps")
    ratio_eps = _option("ratio_eps")

    def __init__(self, dim: int, num_features: int, *, feature_bank: Any, options: TverskyOptions) -> None:
        super().__init__()
        self.dim = _check_pos_int("in_features", dim)
        self.num_features = _check_pos_int("num_features", num_features)
        self.options = options
        for name in SCALARS:
            t = torch.tensor(getattr(options, name))
            if name in options.learnable:
                setattr(self, name, nn.Parameter(t))
            else:
                self.register_buffer(name, t)
        if isinstance(feature_bank, SharedFeatureBank) and feature_bank.dim != dim:
            raise ValueError(f"feature_bank has dim {feature_bank.dim}, expected {dim} (= in_features)")
        if (
            isinstance(feature_bank, torch.Tensor)
            and feature_bank.dim() == 2
            and feature_bank.shape[0] != num_features
        ):
            raise ValueError(
                f"feature_bank has {feature_bank.shape[0]} features, expected num_features={num_features}"
            )
        self.feature_bank = _make_source("feature_bank", feature_bank, num_features, dim, options.init)
        self.owns_features = feature_bank is None

    def features(self) -> torch.Tensor:
        """The feature bank as a ``(K, d)`` tensor."""
        fb = self.feature_bank
        return fb() if isinstance(fb, nn.Module) else fb

    def salience(self, x: torch.Tensor) -> torch.Tensor:
        """Salience of each input, ``f(X) = sum_k ReLU(x . f_k)`` (Eq. 2): shape ``x.shape[:-1]``."""
        self._check_input(x)
        return TF.salience(x, self.features(), self.threshold)

    def _check_input(self, x: torch.Tensor, name: str = "x") -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.is_complex() or not x.is_floating_point():
            raise TypeError(
                f"{name} must be a real floating-point tensor, got dtype {x.dtype}; convert it with .float()"
            )
        if x.dim() == 0 or x.shape[-1] != self.dim:
            got = x.shape[-1] if x.dim() else "a scalar"
            raise ValueError(f"{name}: expected last dim {self.dim}, got {got}")
        # one dtype policy, as torch layers: the input's dtype must be the layer's (autocast excepted, which feeds
        # low-precision activations to float32 layers by design); the layer's own scalars carry its dtype
        dtype = self.alpha.dtype
        if x.dtype != dtype and not torch.is_autocast_enabled(x.device.type):
            double = " / .double()" if x.dtype == torch.float64 else ""
            raise TypeError(
                f"{name} dtype {x.dtype} differs from the parameters' dtype {dtype}; convert the input with "
                f"{name}.to({dtype}) or the layer with .to({x.dtype}){double}"
            )

    def _similarity(self, x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        return TF.tversky_similarity(
            x, p, self.features(), self.alpha, self.beta, self.theta, options=self.options
        )

    def _options_repr(self) -> str:
        s = f"num_features={self.num_features}, model={self.model!r}, intersection={self.intersection!r}, difference={self.difference!r}"
        if self.threshold != 0.0:
            s += f", threshold={self.threshold}"
        if self.normalize:
            s += ", normalize=True"
        if self.exact_per_feature:
            s += ", exact_per_feature=True"
        if self.chunk_size is not None:
            s += f", chunk_size={self.chunk_size}"
        if not self.owns_features:
            s += ", shared_features=True"
        return s


class TverskySimilarity(_TverskyBase):
    """Tversky similarity layer ``S(a, b)`` (paper Sec. 2.2, Eqs. 1-6) with a learned feature bank.

    ``forward(a, b)``: ``a`` ``(..., dim)``, ``b`` ``(m, dim)`` -> ``(..., m)``, the similarity of every ``a`` to
    every ``b`` (asymmetric unless ``alpha == beta``). Parameters: feature bank ``(num_features, dim)`` and the
    scalars ``alpha``, ``beta``, ``theta`` (learnable by default). Defaults follow public Tversky code:
    contrast model, product / ignorematch, alpha = beta = 0.5, theta = 1, U[0, 1) init, threshold 0.

    The options (model, reductions, initial scalars, ``learnable``, ``init``, ...) are a
    :class:`~tversky_torch.options.TverskyOptions`: pass ``options=`` and/or its fields as keyword arguments
    (``TverskySimilarity(64, 32, alpha=0.8, beta=0.2)``); keyword arguments override ``options``. The layer keeps
    them in ``layer.options`` (``layer.intersection`` etc. read them).
    """

    def __init__(
        self,
        dim: int,
        num_features: int,
        *,
        feature_bank: torch.Tensor | nn.Module | None = None,
        options: TverskyOptions | None = None,
        **kwargs: Any,
    ) -> None:
        opts = resolve_options(options, kwargs, where="TverskySimilarity")
        super().__init__(dim, num_features, feature_bank=feature_bank, options=opts)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        self._check_input(a, "a")
        self._check_input(b, "b")
        if b.dim() != 2:
            raise ValueError(f"b must be 2-D (m, {self.dim}), got shape {tuple(b.shape)}")
        return self._similarity(a, b)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, " + self._options_repr()


class TverskyProjection(_TverskyBase):
    """Tversky projection layer (paper Eq. 7): ``y_k = S(x, pi_k)`` for ``out_features`` learned prototypes.

    A drop-in replacement for ``nn.Linear(in_features, out_features)`` on inputs of any leading shape
    ``(..., in_features) -> (..., out_features)``. Unlike a linear layer it computes XOR in one layer.
    Parameters: prototypes ``Pi`` ``(out_features, in_features)``, feature bank ``(num_features, in_features)``,
    ``alpha``, ``beta``, ``theta``: ``out * d + K * d + 3`` in total, no bias.

    ``init="uniform"`` (U[0, 1), the official default) suits XOR-like inputs; as a head on non-negative features
    pass ``init="normal"`` (see :func:`init_tensor_`).

    ``prototypes=`` ties the prototypes to an existing parameter (e.g. ``wte.weight`` for an LM head) or takes a
    :class:`DataDomainParameter`; ``feature_bank=`` shares a bank (parameter or :class:`SharedFeatureBank`).
    The options are a :class:`~tversky_torch.options.TverskyOptions` (``options=`` and/or its fields as keyword
    arguments, e.g. ``intersection="min"``), as for :class:`TverskySimilarity`.
    """

    prototypes: nn.Parameter | nn.Module

    def __init__(
        self,
        in_features: int,
        out_features: int,
        num_features: int,
        *,
        prototypes: torch.Tensor | nn.Module | None = None,
        feature_bank: torch.Tensor | nn.Module | None = None,
        options: TverskyOptions | None = None,
        **kwargs: Any,
    ) -> None:
        opts = resolve_options(options, kwargs, where="TverskyProjection")
        super().__init__(in_features, num_features, feature_bank=feature_bank, options=opts)
        self.in_features = self.dim
        self.out_features = _check_pos_int("out_features", out_features)
        if (
            isinstance(prototypes, torch.Tensor)
            and prototypes.dim() == 2
            and prototypes.shape[0] != out_features
        ):
            raise ValueError(
                f"prototypes has {prototypes.shape[0]} rows, expected out_features={out_features}"
            )
        self.prototypes = _make_source("prototypes", prototypes, out_features, in_features, opts.init)
        self.owns_prototypes = prototypes is None

    def prototype_matrix(self) -> torch.Tensor:
        """The prototypes as an ``(out_features, in_features)`` tensor."""
        p = self.prototypes
        return p() if isinstance(p, nn.Module) else p

    def reset_parameters(self, init: str | None = None) -> None:
        """Re-initialise the prototypes and feature bank this layer owns (shared or tied ones are left alone) with
        ``init`` (one of ``uniform | normal | orthogonal | xavier_uniform``; default: the constructor's)."""
        options = self.options if init is None else self.options.replace(init=init)
        init = options.init
        if self.owns_prototypes and isinstance(self.prototypes, nn.Parameter):
            init_tensor_(self.prototypes, init)
        if self.owns_features and isinstance(self.feature_bank, nn.Parameter):
            init_tensor_(self.feature_bank, init)
        self.options = options

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self._similarity(x, self.prototype_matrix())

    def extra_repr(self) -> str:
        s = f"in_features={self.in_features}, out_features={self.out_features}, " + self._options_repr()
        if not self.owns_prototypes:
            s += ", tied_prototypes=True"
        return s


def count_parameters(module: nn.Module) -> int:
    """Number of distinct parameter elements (shared / tied parameters counted once)."""
    return sum(p.numel() for p in module.parameters())
