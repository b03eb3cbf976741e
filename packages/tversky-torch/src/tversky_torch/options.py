"""The options of a Tversky similarity, declared and validated once.

:class:`TverskyOptions` is what :func:`tversky_torch.functional.tversky_similarity`, :class:`TverskySimilarity`,
:class:`TverskyProjection`, :func:`replace_linear` and :func:`tversky_torch.hf.tversky_gpt2` take as ``options=``;
each of them also accepts the fields as keyword arguments (``TverskyProjection(64, 10, 32, intersection="min")``),
which override the fields of ``options``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any

INTERSECTIONS = ("product", "min", "max", "mean", "gmean", "softmin")
DIFFERENCES = ("ignorematch", "subtractmatch", "subtractmatch_aggregate")
MODELS = ("contrast", "ratio")
#: alias kept for users of the spelling found in public code (``substractmatch``, the aggregate variant)
DIFFERENCE_ALIASES = {"substractmatch": "subtractmatch_aggregate"}
INITS = ("uniform", "normal", "orthogonal", "xavier_uniform")
SCALARS = ("alpha", "beta", "theta")
DEFAULT_MAX_INTERMEDIATE_BYTES = 1 << 30

__all__ = [
    "DEFAULT_MAX_INTERMEDIATE_BYTES",
    "DIFFERENCES",
    "DIFFERENCE_ALIASES",
    "INITS",
    "INTERSECTIONS",
    "MODELS",
    "SCALARS",
    "TverskyOptions",
    "check_options",
    "resolve_options",
]

_HERE = os.path.dirname(os.path.abspath(__file__))


def _caller_stacklevel() -> int:
    """The stack level of the first frame outside this package (and outside generated dataclass code), so a
    warning points at the user's line whichever public entry point was called."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename.startswith(_HERE)
        or (frame.f_code.co_filename == "<string>" and frame.f_code.co_name == "__init__")  # dataclass code
    ):
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level


def check_options(
    *, model: str = "contrast", intersection: str = "product", difference: str = "ignorematch"
) -> tuple[str, str, str]:
    """Validate the three option strings; returns them with aliases resolved.

    ``"substractmatch"`` (sic, the spelling of public implementations) is accepted with a DeprecationWarning and
    means ``"subtractmatch_aggregate"``.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if intersection not in INTERSECTIONS:
        raise ValueError(f"intersection must be one of {INTERSECTIONS}, got {intersection!r}")
    if difference in DIFFERENCE_ALIASES:
        new = DIFFERENCE_ALIASES[difference]
        warnings.warn(
            f"difference={difference!r} is deprecated: it is the aggregate variant, spell it {new!r} "
            "(or use 'subtractmatch' for the paper's per-feature Eq. 5)",
            DeprecationWarning,
            stacklevel=_caller_stacklevel(),
        )
        difference = new
    if difference not in DIFFERENCES:
        raise ValueError(
            f"difference must be one of {DIFFERENCES} (or the alias 'substractmatch'), got {difference!r}"
        )
    return model, intersection, difference


def _finite(name: str, v: Any, minimum: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite float, got {v!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v!r}")
    return float(v)


def _positive_int(name: str, v: Any, *, optional: bool = False) -> int | None:
    if optional and v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        kind = "a positive int or None" if optional else "a positive int"
        raise ValueError(f"{name} must be {kind}, got {v!r}")
    return v


@dataclasses.dataclass(frozen=True)
class TverskyOptions:
    """Options of a Tversky similarity (paper Sec. 2; defaults follow the paper and public Tversky code).

    * ``model``: ``"contrast"`` (Eq. 1 / 6) or ``"ratio"``; ``intersection``: one of :data:`INTERSECTIONS`
      (Eq. 3); ``difference``: one of :data:`DIFFERENCES` (Eqs. 4-5; ``"substractmatch"`` is a deprecated alias
      of ``"subtractmatch_aggregate"``).
    * ``alpha``, ``beta``, ``theta``: the weights of the distinctive and common features: the initial values of a
      layer's scalars, the values :func:`~tversky_torch.functional.tversky_similarity` uses when not given.
    * ``learnable``: which of the three scalars a layer learns (layers only); ``init``: initialisation of the
      prototypes and features a layer creates, one of :data:`INITS` (layers only).
    * ``threshold``: membership is ``x . f > threshold`` (fixed); ``normalize``: L2-normalise both operands (not
      the features) first.
    * ``exact_per_feature``: apply non-product intersections feature by feature (``(n, m, K)`` intermediate);
      ``chunk_size``: rows per chunk for such intermediates; ``max_intermediate_bytes``: without ``chunk_size``,
      refuse intermediates larger than this.
    * ``gmean_eps``: ``gmean`` is ``sqrt(clamp_min(a * b, gmean_eps))``; ``ratio_eps``: the ratio model's
      stabiliser in the denominator (the paper's ratio model has 0).
    """

    model: str = "contrast"
    intersection: str = "product"
    difference: str = "ignorematch"
    alpha: float = 0.5
    beta: float = 0.5
    theta: float = 1.0
    learnable: tuple[str, ...] = SCALARS
    init: str = "uniform"
    threshold: float = 0.0
    normalize: bool = False
    exact_per_feature: bool = False
    chunk_size: int | None = None
    gmean_eps: float = 0.0
    ratio_eps: float = 1.0
    max_intermediate_bytes: int = DEFAULT_MAX_INTERMEDIATE_BYTES

    def __post_init__(self) -> None:
        model, intersection, difference = check_options(
            model=self.model, intersection=self.intersection, difference=self.difference
        )
        learnable = self.learnable
        if isinstance(learnable, str):
            learnable = (learnable,)
        learnable = tuple(learnable)
        bad = [s for s in learnable if s not in SCALARS]
        if bad:
            raise ValueError(f"learnable must be a subset of {SCALARS}, got {learnable!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        for flag in ("normalize", "exact_per_feature"):
            v = getattr(self, flag)
            if not isinstance(v, bool):  # a truthy string such as "no" would silently mean True
                raise ValueError(f"{flag} must be a bool, got {type(v).__name__} {v!r}")
        values = {
            "model": model,
            "intersection": intersection,
            "difference": difference,
            "learnable": learnable,
            "alpha": _finite("alpha", self.alpha),
            "beta": _finite("beta", self.beta),
            "theta": _finite("theta", self.theta),
            "threshold": _finite("threshold", self.threshold),
            "gmean_eps": _finite("gmean_eps", self.gmean_eps, minimum=0.0),
            "ratio_eps": _finite("ratio_eps", self.ratio_eps),
            "normalize": bool(self.normalize),
            "exact_per_feature": bool(self.exact_per_feature),
            "chunk_size": _positive_int("chunk_size", self.chunk_size, optional=True),
            "max_intermediate_bytes": _positive_int("max_intermediate_bytes", self.max_intermediate_bytes),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> TverskyOptions:
        """A copy with ``changes`` applied (validated again)."""
        return resolve_options(self, changes)


_FIELDS = tuple(f.name for f in dataclasses.fields(TverskyOptions))


def resolve_options(
    options: TverskyOptions | None,
    kwargs: Mapping[str, Any],
    *,
    where: str = "TverskyOptions",
    exclude: tuple[str, ...] = (),
) -> TverskyOptions:
    """``options`` (default: :class:`TverskyOptions()`) with the keyword arguments ``kwargs`` applied on top.

    Unknown names (and names in ``exclude``, which ``where`` does not take) raise a TypeError naming them.
    """
    if options is not None and not isinstance(options, TverskyOptions):
        raise TypeError(f"{where}: options must be a TverskyOptions or None, got {type(options).__name__}")
    unknown = [k for k in kwargs if k not in _FIELDS or k in exclude]
    if unknown:
        allowed = [f for f in _FIELDS if f not in exclude]
        raise TypeError(
            f"{where} got unexpected keyword argument(s) {unknown}; the Tversky options are {allowed}"
        )
    if options is None:
        return TverskyOptions(**kwargs)
    if not kwargs:
        return options
    return dataclasses.replace(options, **kwargs)
