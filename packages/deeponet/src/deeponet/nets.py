"""DeepONet (Lu, Jin, Pang, Zhang & Karniadakis, 2021): ``G(u)(y) = sum_k b_k(u) t_k(y) + b0``.

The branch net reads the input function at ``m`` fixed sensors and returns ``p`` coefficients; its last layer is
linear. The trunk net reads a query location ``y`` and returns ``p`` basis values with the activation applied after
EVERY layer, its last included (as in the paper's code). ``stacked=True`` uses ``p`` independent branch nets of
width-1 output (the paper's stacked DeepONet), evaluated together with batched weights, not a Python loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.functional.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": nn.functional.gelu,
}


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


def _check_sizes(name: str, sizes: Sequence[int]) -> list[int]:
    sizes = list(sizes)
    if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(
            f"{name} must list at least two positive layer widths (input, ..., output), got {sizes}"
        )
    return sizes


def check_input(x: torch.Tensor, name: str, param_dtype: torch.dtype) -> None:
    """The dtype policy of torch layers: a floating-point tensor of the parameters' dtype (autocast excepted),
    else a ``TypeError`` naming both dtypes and the conversion."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be floating point, got {x.dtype}: convert it with {name}.to({param_dtype})"
        )
    if x.dtype != param_dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(
            f"{name} dtype {x.dtype} differs from the parameters' dtype {param_dtype}: convert the input with "
            f"{name}.to({param_dtype}) or the model with model.to({x.dtype})"
            + (" (model.double())" if x.dtype == torch.float64 else "")
        )


class MLP(nn.Module):
    """Fully connected net; ``last_activation`` applies the activation after the last layer too (the trunk)."""

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str = "relu",
        last_activation: bool = False,
        last_bias: bool = True,
    ) -> None:
        super().__init__()
        sizes = _check_sizes("sizes", sizes)
        self.activation, self.last_activation = activation, last_activation
        self._act = _activation(activation)
        linears = [
            nn.Linear(a, b, bias=(i < len(sizes) - 2) or last_bias)
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))
        ]
        for layer in linears:  # Glorot normal weights, zero biases (the paper's code)
            nn.init.xavier_normal_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        self.layers = nn.ModuleList(linears)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, "x", next(self.parameters()).dtype)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1 or self.last_activation:
                x = self._act(x)
        return x


class StackedMLP(nn.Module):
    """``p`` independent MLPs ``[in, *hidden, 1]`` evaluated at once with weights of shape ``(p, in, out)``."""

    def __init__(
        self, in_dim: int, hidden: Sequence[int], p: int, *, activation: str = "relu", last_bias: bool = True
    ) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, int) or p < 1:
            raise ValueError(f"p (the number of stacked nets) must be an int >= 1, got {p!r}")
        sizes = _check_sizes("branch sizes", [in_dim, *hidden, 1])
        self.p, self._act, self.last_bias = p, _activation(activation), last_bias
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            std = math.sqrt(2.0 / (a + b))  # Glorot normal with each sub-net's own fans
            self.weights.append(nn.Parameter(torch.randn(p, a, b) * std))
            if i < len(sizes) - 2 or last_bias:
                self.biases.append(nn.Parameter(torch.zeros(p, 1, b)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, in) -> (B, p)
        check_input(x, "x", self.weights[0].dtype)
        if x.dim() != 2 or x.shape[-1] != self.weights[0].shape[1]:
            raise ValueError(f"x must be (B, {self.weights[0].shape[1]}), got shape {tuple(x.shape)}")
        h = x.unsqueeze(0).expand(self.p, *x.shape)  # (p, B, in)
        n = len(self.weights)
        for i in range(n):
            h = torch.bmm(h, self.weights[i])
            if i < len(self.biases):
                h = h + self.biases[i]
            if i < n - 1:
                h = self._act(h)
        return h.squeeze(-1).transpose(0, 1)


class DeepONet(nn.Module):
    """Deep operator network.

    Args:
        branch_sizes: ``[m, hidden..., p]`` (unstacked) or ``[m, hidden..., p]`` where ``p`` is the number of
            stacked sub-nets (stacked: each sub-net is ``[m, hidden..., 1]``).
        trunk_sizes: ``[d, hidden..., p]``; the activation is applied after every trunk layer.
        activation: ``"relu"`` (paper), ``"tanh"``, ``"sigmoid"`` or ``"gelu"``.
        stacked: ``p`` independent branch nets instead of one.
        bias: bias on the branch's last layer and a trainable scalar ``b0`` after the dot product (paper: yes).

    ``forward(u, y)`` accepts three layouts: unaligned ``u (B, m), y (B, d) -> (B,)`` (one query per function,
    the paper's triples), per-function query sets ``y (B, P, d) -> (B, P)``, and aligned (Cartesian product)
    ``y (N, d) -> (B, N)`` with ``aligned=True``.
    """

    def __init__(
        self,
        branch_sizes: Sequence[int],
        trunk_sizes: Sequence[int],
        *,
        activation: str = "relu",
        stacked: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        for flag, value in (("stacked", stacked), ("bias", bias)):
            if not isinstance(value, bool):  # a truthy string such as "no" would silently mean True
                raise TypeError(f"{flag} must be a bool, got {type(value).__name__} {value!r}")
        branch_sizes, trunk_sizes = (
            _check_sizes("branch_sizes", branch_sizes),
            _check_sizes("trunk_sizes", trunk_sizes),
        )
        if branch_sizes[-1] != trunk_sizes[-1]:
            raise ValueError(
                f"branch and trunk must end in the same width p, got {branch_sizes[-1]} and {trunk_sizes[-1]}"
            )
        self.m, self.d, self.p = branch_sizes[0], trunk_sizes[0], branch_sizes[-1]
        self.stacked, self.use_bias = stacked, bias
        if stacked:
            self.branch: nn.Module = StackedMLP(
                self.m, branch_sizes[1:-1], self.p, activation=activation, last_bias=bias
            )
        else:
            self.branch = MLP(branch_sizes, activation=activation, last_bias=bias)
        self.trunk = MLP(trunk_sizes, activation=activation, last_activation=True)
        self.b0 = nn.Parameter(torch.zeros(())) if bias else None

    def coefficients(self, u: torch.Tensor) -> torch.Tensor:
        """Branch output ``b(u)``: ``(B, p)``."""
        self._check(u, "u", self.m)
        return self.branch(u)

    def basis(self, y: torch.Tensor) -> torch.Tensor:
        """Trunk output ``t(y)``: ``(..., p)``."""
        self._check(y, "y", self.d)
        return self.trunk(y)

    def _check(self, x: torch.Tensor, name: str, width: int) -> None:
        check_input(x, name, next(self.trunk.parameters()).dtype)
        if x.dim() == 0 or x.shape[-1] != width:
            what = "sensor values" if name == "u" else "coordinates per query point"
            raise ValueError(
                f"expected {name} with {width} {what} in its last dimension, got shape {tuple(x.shape)}"
            )

    def forward(self, u: torch.Tensor, y: torch.Tensor, aligned: bool | None = None) -> torch.Tensor:
        if aligned is not None and not isinstance(aligned, bool):
            raise TypeError(f"aligned must be None, True or False, got {aligned!r}")
        self._check(u, "u", self.m)
        if u.dim() != 2:
            raise ValueError(
                f"u must be (B, m={self.m}) (one row of sensor values per function), got shape {tuple(u.shape)}"
            )
        b = self.coefficients(u)  # (B, p)
        t = self.basis(y)
        if y.dim() == 3:  # (B, P, d): each function with its own query points
            if y.shape[0] != u.shape[0]:
                raise ValueError(f"y of shape (B, P, d) needs B={u.shape[0]} query sets, got {y.shape[0]}")
            out = torch.einsum("bp,bqp->bq", b, t)
        elif y.dim() == 2:
            if aligned is None:
                if y.shape[0] == u.shape[0]:
                    raise ValueError(
                        "u and y have the same number of rows: pass aligned=True (every function at every "
                        "y) or aligned=False (row i of y belongs to function i)"
                    )
                aligned = True
            if aligned:
                out = b @ t.T  # (B, N)
            else:
                if y.shape[0] != u.shape[0]:
                    raise ValueError(
                        f"unaligned u and y need the same number of rows, got {u.shape[0]} and {y.shape[0]}"
                    )
                out = (b * t).sum(-1)
        else:
            raise ValueError(f"y must be (B, d), (N, d) or (B, P, d), got shape {tuple(y.shape)}")
        return out if self.b0 is None else out + self.b0

    def extra_repr(self) -> str:
        return f"m={self.m}, d={self.d}, p={self.p}, stacked={self.stacked}, bias={self.use_bias}"
