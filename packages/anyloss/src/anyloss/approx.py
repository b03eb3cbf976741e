"""The amplifying approximation of AnyLoss (Han, Moniz & Chawla, 2024, Sec. 3.1).

A predicted probability ``p`` is turned into a near-label by a steep sigmoid centred at the decision threshold
0.5::

    A(p) = 1 / (1 + exp(-L (p - 0.5)))        (the approximation function; L = 73 in every experiment)

``A(p)`` is close to 0 or 1, so sums of ``y A(p)`` behave like confusion-matrix counts, yet never exactly 0 or 1,
so gradients flow.

Why a custom backward: in float32, ``sigmoid(x)`` rounds to exactly 1 for ``x > ~16.6``, i.e. for
``p > 0.5 + 16.6 / L`` (0.727 at L = 73). The usual derivative ``A (1 - A)`` computed from the *output* is then
exactly 0, so a confidently wrong prediction (a negative sample with p = 0.95) receives no gradient at all; this
is what the authors' float32 Keras code does. Here the derivative is evaluated from the *input* as
``e / (1 + e)^2`` with ``e = exp(-|x|)``, which stays positive for every ``|x| < ~87`` in float32 (and
``|L (p - 0.5)| <= L / 2 = 36.5`` at the paper's L).
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["DEFAULT_L", "StableSigmoid", "amplify", "amplify_pair", "stable_sigmoid"]

DEFAULT_L = 73.0
"""The paper's amplification constant (README and every notebook of the official code)."""


def _sigmoid_prime(x: torch.Tensor) -> torch.Tensor:
    """``sigmoid'(x)`` from the input, without cancellation: ``e / (1 + e)^2`` with ``e = exp(-|x|)``."""
    e = torch.exp(-x.abs())
    return e / (1.0 + e) ** 2


class StableSigmoid(torch.autograd.Function):
    """``sigmoid(x)`` whose backward is computed from the input (never exactly 0 where the output saturates).

    The backward is written in differentiable torch ops, so double backward works too.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return torch.sigmoid(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad_output * _sigmoid_prime(x)


def stable_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``torch.sigmoid`` with a backward that does not vanish where the output rounds to 0 or 1."""
    return StableSigmoid.apply(x)


def _check_L(L: float) -> float:
    if isinstance(L, bool) or not isinstance(L, (int, float)):
        raise TypeError(f"L must be a positive number, got {type(L).__name__} {L!r}")
    if not L > 0 or L != L or L == float("inf"):
        raise ValueError(f"L must be a finite number > 0, got {L!r}")
    return float(L)


def amplify(p: torch.Tensor, L: float = DEFAULT_L) -> torch.Tensor:
    """The approximation function ``A(p) = sigmoid(L (p - 0.5))`` of the paper's Sec. 3.1, with an input-side backward.

    Args:
        p: probabilities, any shape.
        L: amplification constant (paper: 73). Larger L makes ``A(p)`` closer to a 0/1 label.

    Returns:
        ``A(p)``, the shape and dtype of ``p``. ``A(0.5) = 0.5`` and ``A(0.5 + d) + A(0.5 - d) = 1``.
    """
    return stable_sigmoid(_check_L(L) * (p - 0.5))


def amplify_pair(p: torch.Tensor, L: float = DEFAULT_L) -> tuple[torch.Tensor, torch.Tensor]:
    """``(A(p), 1 - A(p))``, the second computed as ``sigmoid(-L (p - 0.5))`` (no cancellation near 1)."""
    x = _check_L(L) * (p - 0.5)
    return stable_sigmoid(x), stable_sigmoid(-x)
