"""Layer-normalised recurrent cells with the contracts of ``nn.LSTMCell`` / ``nn.GRUCell`` / ``nn.RNNCell``.

Each cell splits its work in two: :meth:`input_terms` (everything that depends only on the input, computed for a
whole sequence at once by the multi-step modules) and :meth:`step` (the recurrent part of one time step).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from layernorm.functional import group_layer_norm, ln_gru_step, ln_lstm_step, ln_rnn_step

GROUPINGS = ("joint", "per_gate")
INITS = ("paper", "torch")


def _check_sizes(input_size: int, hidden_size: int, eps: float) -> None:
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
        raise ValueError(f"input_size must be a positive int, got {input_size!r}")
    if isinstance(hidden_size, bool) or not isinstance(hidden_size, int) or hidden_size < 2:
        raise ValueError(
            f"hidden_size must be an int >= 2 (layer norm over one unit is constant), got {hidden_size!r}"
        )
    if hidden_size < 8:
        warnings.warn(
            f"hidden_size={hidden_size} is small: layer-norm statistics over so few units are noisy",
            stacklevel=3,
        )
    if not (isinstance(eps, (int, float)) and eps > 0):
        raise ValueError(f"eps must be > 0, got {eps!r}")


def check_dtype(x: object, name: str, param_dtype: torch.dtype) -> None:
    """The dtype policy of torch layers: a floating-point tensor of the parameters' dtype, else a ``TypeError``
    naming both dtypes and the conversion."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be floating point, got {x.dtype}: convert it with {name}.to({param_dtype})"
        )
    if x.dtype != param_dtype:
        raise TypeError(
            f"{name} dtype {x.dtype} differs from the parameters' dtype {param_dtype}: convert the input with "
            f"{name}.to({param_dtype}) or the module with module.to({x.dtype})"
            + (" (module.double())" if x.dtype == torch.float64 else "")
        )


def _choice(name: str, value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


class _LNCellBase(nn.Module):
    n_gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, eps: float, init: str, factory: dict[str, Any]
    ) -> None:
        super().__init__()
        _check_sizes(input_size, hidden_size, eps)
        self.input_size, self.hidden_size, self.eps = input_size, hidden_size, float(eps)
        self.init = _choice("init", init, INITS)
        G, H = self.n_gates, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(G * H, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(G * H, H, **factory))

    def _init_weights(self) -> None:
        H = self.hidden_size
        with torch.no_grad():
            if (
                self.init == "paper"
            ):  # the authors' host code: U(-0.1, 0.1) inputs, orthogonal recurrent blocks
                self.weight_ih.uniform_(-0.1, 0.1)
                for k in range(self.n_gates):
                    nn.init.orthogonal_(self.weight_hh[k * H : (k + 1) * H])
            else:  # nn.LSTM's U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
                bound = 1 / math.sqrt(H)
                for p in (self.weight_ih, self.weight_hh):
                    p.uniform_(-bound, bound)
                for name in ("bias", "bias_ih", "bias_hh"):
                    b = getattr(self, name, None)
                    if b is not None:
                        b.uniform_(-bound, bound)

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"input must be a tensor, got {type(x).__name__}")
        check_dtype(x, "input", self.weight_ih.dtype)
        if x.dim() == 0 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"input's last dimension must be input_size={self.input_size}, got shape {tuple(x.shape)}"
            )

    def _state(self, x: torch.Tensor, h: torch.Tensor | None, name: str = "hx") -> torch.Tensor:
        shape = (*x.shape[:-1], self.hidden_size)
        if h is None:
            return x.new_zeros(shape)
        check_dtype(h, name, self.weight_ih.dtype)
        if tuple(h.shape) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(h.shape)}")
        return h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, eps={self.eps}, init={self.init!r}"


class LayerNormLSTMCell(_LNCellBase):
    """LN-LSTM cell (paper supplementary): ``z = LN_ih(W_ih x) + LN_hh(W_hh h) + b``, gates (i, f, g, o),
    ``c' = sig(f) c + sig(i) tanh(g)``, ``h' = sig(o) tanh(LN_c(c'))``.

    Args:
        grouping: ``"joint"`` (paper: one LN over all four gates' 4H summed inputs) or ``"per_gate"``
            (TensorFlow-style LN over each gate's H inputs).
        norm_cell: normalise the cell state before the output tanh (paper: yes).
        forget_bias: added to the forget gate's bias at initialisation (paper/official code: 0).
        carry_normalized_cell: carry ``LN_c(c')`` instead of ``c'`` as the state (PyTorch fastrnns variant).
        init: ``"paper"`` (U(-0.1, 0.1) inputs, orthogonal recurrent blocks, zero biases) or ``"torch"``.
    """

    n_gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        eps: float = 1e-5,
        norm_cell: bool = True,
        grouping: str = "joint",
        forget_bias: float = 0.0,
        carry_normalized_cell: bool = False,
        init: str = "paper",
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        super().__init__(input_size, hidden_size, bias, eps, init, factory)
        self.grouping = _choice("grouping", grouping, GROUPINGS)
        self.groups = 1 if grouping == "joint" else 4
        self.norm_cell, self.carry_normalized_cell, self.forget_bias = (
            bool(norm_cell),
            bool(carry_normalized_cell),
            float(forget_bias),
        )
        H = hidden_size
        self.bias = nn.Parameter(torch.zeros(4 * H, **factory)) if bias else None
        self.ln_ih = nn.LayerNorm(4 * H, eps=eps, **factory)
        self.ln_hh = nn.LayerNorm(4 * H, eps=eps, **factory)
        self.ln_c = nn.LayerNorm(H, eps=eps, **factory) if norm_cell else None
        self._init_weights()
        if forget_bias:
            with torch.no_grad():
                target = self.bias if self.bias is not None else self.ln_hh.bias
                target[H : 2 * H] += forget_bias

    def input_terms(self, x: torch.Tensor) -> torch.Tensor:
        """``LN_ih(W_ih x) + b`` for any leading dims (the bias comes after the LN, which keeps input-scale
        invariance; adding it here rather than in every step is the same sum, done once per sequence)."""
        u = group_layer_norm(
            x @ self.weight_ih.t(), self.ln_ih.weight, self.ln_ih.bias, self.groups, self.eps
        )
        return u if self.bias is None else u + self.bias

    def step(
        self, u: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = state
        return ln_lstm_step(
            u,
            h,
            c,
            self.weight_hh,
            self.ln_hh.weight,
            self.ln_hh.bias,
            self.ln_c.weight if self.ln_c is not None else None,
            self.ln_c.bias if self.ln_c is not None else None,
            None,
            self.groups,
            self.eps,
            self.carry_normalized_cell,
        )

    def init_state(
        self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if hx is None:
            return self._state(x, None), self._state(x, None)
        if not isinstance(hx, tuple) or len(hx) != 2:
            raise ValueError("hx must be a tuple (h, c) for an LSTM cell")
        return self._state(x, hx[0], "h"), self._state(x, hx[1], "c")

    def forward(
        self, input: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``input`` (B, I) or (I,); returns ``(h', c')`` like ``nn.LSTMCell``."""
        self._check_input(input)
        return self.step(self.input_terms(input), self.init_state(input, hx))

    def extra_repr(self) -> str:
        return (
            super().extra_repr()
            + f", grouping={self.grouping!r}, norm_cell={self.norm_cell}, forget_bias={self.forget_bias}"
        )


class LayerNormGRUCell(_LNCellBase):
    """LN-GRU cell (the authors' four-LN GRU, torch's gate order r, z, n):
    ``r, z = sig(LN(W_i[rz] x) + b_i + LN(W_h[rz] h) + b_h)``, ``n = tanh(LN(W_in x) + b_in + r (LN(W_hn h) + b_hn))``,
    ``h' = (1 - z) n + z h``. ``grouping="joint"`` normalises r and z together (2H), ``"per_gate"`` separately."""

    n_gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        eps: float = 1e-5,
        grouping: str = "joint",
        init: str = "paper",
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        super().__init__(input_size, hidden_size, bias, eps, init, factory)
        self.grouping = _choice("grouping", grouping, GROUPINGS)
        self.groups = 1 if grouping == "joint" else 2
        H = hidden_size
        self.bias_ih = nn.Parameter(torch.zeros(3 * H, **factory)) if bias else None
        self.bias_hh = nn.Parameter(torch.zeros(3 * H, **factory)) if bias else None
        self.ln_ih_rz = nn.LayerNorm(2 * H, eps=eps, **factory)
        self.ln_in = nn.LayerNorm(H, eps=eps, **factory)
        self.ln_hh_rz = nn.LayerNorm(2 * H, eps=eps, **factory)
        self.ln_hn = nn.LayerNorm(H, eps=eps, **factory)
        self._init_weights()

    def input_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        H = self.hidden_size
        wx = x @ self.weight_ih.t()
        u_rz = group_layer_norm(
            wx[..., : 2 * H], self.ln_ih_rz.weight, self.ln_ih_rz.bias, self.groups, self.eps
        )
        u_n = F.layer_norm(wx[..., 2 * H :], (H,), self.ln_in.weight, self.ln_in.bias, self.eps)
        if self.bias_ih is not None:
            u_rz, u_n = u_rz + self.bias_ih[: 2 * H], u_n + self.bias_ih[2 * H :]
        return u_rz, u_n

    def step(self, u: tuple[torch.Tensor, torch.Tensor], h: torch.Tensor) -> torch.Tensor:
        return ln_gru_step(
            u[0],
            u[1],
            h,
            self.weight_hh,
            self.ln_hh_rz.weight,
            self.ln_hh_rz.bias,
            self.ln_hn.weight,
            self.ln_hn.bias,
            self.bias_hh,
            self.groups,
            self.eps,
        )

    def init_state(self, x: torch.Tensor, hx: torch.Tensor | None) -> torch.Tensor:
        return self._state(x, hx)

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        self._check_input(input)
        return self.step(self.input_terms(input), self.init_state(input, hx))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", grouping={self.grouping!r}"


class LayerNormRNNCell(_LNCellBase):
    """LN vanilla RNN cell (paper Sec. 3.2): ``norm="sum"`` normalises the summed input
    ``W_ih x + W_hh h + b`` (paper Eq. 4); ``norm="split"`` normalises the two terms separately."""

    n_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        nonlinearity: str = "tanh",
        norm: str = "sum",
        eps: float = 1e-5,
        init: str = "paper",
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        super().__init__(input_size, hidden_size, bias, eps, init, factory)
        self.nonlinearity = _choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        self.norm = _choice("norm", norm, ("sum", "split"))
        H = hidden_size
        self.bias_ih = nn.Parameter(torch.zeros(H, **factory)) if bias else None
        self.bias_hh = nn.Parameter(torch.zeros(H, **factory)) if bias else None
        self.ln = nn.LayerNorm(H, eps=eps, **factory)  # the sum's LN, or LN_hh for norm="split"
        self.ln_ih = nn.LayerNorm(H, eps=eps, **factory) if norm == "split" else None
        self._init_weights()

    def input_terms(self, x: torch.Tensor) -> torch.Tensor:
        u = x @ self.weight_ih.t()
        if self.ln_ih is not None:
            u = F.layer_norm(u, u.shape[-1:], self.ln_ih.weight, self.ln_ih.bias, self.eps)
        return u if self.bias_ih is None else u + self.bias_ih

    def step(self, u: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return ln_rnn_step(
            u,
            h,
            self.weight_hh,
            self.ln.weight,
            self.ln.bias,
            self.bias_hh,
            self.norm,
            self.nonlinearity,
            self.eps,
        )

    def init_state(self, x: torch.Tensor, hx: torch.Tensor | None) -> torch.Tensor:
        return self._state(x, hx)

    def forward(self, input: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        self._check_input(input)
        return self.step(self.input_terms(input), self.init_state(input, hx))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}, norm={self.norm!r}"
