"""Comparison models: the diagonal S4D layer (Gu et al. 2022, the LSSL's successor) and a GRU classifier."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from lssl.layer import ACTIVATIONS, POSTACTS, _activation, _choice, _positive_int, check_dtype
from lssl.model import POOLS, SequenceModel


class S4DLayer(nn.Module):
    """S4D-Lin: diagonal complex ``A_n = -1/2 + i pi n`` (N/2 conjugate pairs), ZOH, Vandermonde kernel.

    ``K_i = 2 Re(sum_n C_n (exp(dt A_n) - 1) / A_n * exp(dt A_n)^i)``: ``O(N L)`` work and no ``N x N``
    matrices. Same interface as :class:`lssl.LSSL` (``(B, L, H) -> (y, None)``), with an activation (GELU by
    default) and the output linear, optionally gated (``postact="glu"``, as :class:`lssl.LSSL`).
    """

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        dropout: float = 0.0,
        lr: float = 1e-3,
        activation: str = "gelu",
        postact: str = "none",
    ) -> None:
        super().__init__()
        _choice("activation", activation, ACTIVATIONS)
        _choice("postact", postact, POSTACTS)
        H = _positive_int("d_model", d_model)
        N = _positive_int("d_state", d_state)
        if N % 2:
            raise ValueError(f"d_state must be even for S4D (conjugate pairs), got {N}")
        if not (dt_min > 0 and dt_max >= dt_min):
            raise ValueError(f"need 0 < dt_min <= dt_max, got {dt_min}, {dt_max}")
        self.d_model, self.d_state = H, N
        log_dt = torch.rand(H) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        self.log_dt = nn.Parameter(log_dt)
        self.C = nn.Parameter(torch.view_as_real(torch.randn(H, N // 2, dtype=torch.cfloat)))
        self.log_A_real = nn.Parameter(torch.log(0.5 * torch.ones(H, N // 2)))
        self.A_imag = nn.Parameter(math.pi * torch.arange(N // 2).float().repeat(H, 1))
        for p in (self.log_dt, self.log_A_real, self.A_imag):
            p._optim = {"lr": lr, "weight_decay": 0.0}  # type: ignore[attr-defined]
        self.D = nn.Parameter(torch.randn(H))
        self.act = _activation(activation)
        self.drop = nn.Dropout(dropout)
        self.postact = postact
        self.out = nn.Linear(H, 2 * H if postact == "glu" else H)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, d_state={self.d_state}"

    def kernel(self, L: int, rate: float = 1.0) -> torch.Tensor:
        dt = torch.exp(self.log_dt) * rate
        C = torch.view_as_complex(self.C)
        A = -torch.exp(self.log_A_real) + 1j * self.A_imag
        dtA = A * dt[:, None]
        Kv = dtA[:, :, None] * torch.arange(L, device=A.device)
        C = C * (torch.exp(dtA) - 1.0) / A
        return 2 * torch.einsum("hn,hnl->hl", C, torch.exp(Kv)).real

    def forward(self, u: torch.Tensor, state: Any = None, *, rate: float = 1.0) -> tuple[torch.Tensor, None]:
        check_dtype(u, "u", self.D.dtype)
        if u.dim() != 3 or u.shape[-1] != self.d_model:
            raise ValueError(f"u must be (batch, length, d_model={self.d_model}), got {tuple(u.shape)}")
        if u.shape[1] < 1:
            raise ValueError(f"u must have length >= 1, got shape {tuple(u.shape)}")
        if state is not None:
            raise ValueError("S4DLayer runs as a convolution from a zero state: state must be None")
        if not (isinstance(rate, (int, float)) and rate > 0):
            raise ValueError(f"rate must be > 0, got {rate!r}")
        L = u.shape[1]
        k = self.kernel(L, rate)
        uh = u.transpose(1, 2)
        if uh.shape[0] == 0:  # an empty batch: an empty answer (the FFT libraries refuse size 0)
            y = self.D[:, None] * uh
        else:
            kf = torch.fft.rfft(k, n=2 * L)
            y = torch.fft.irfft(torch.fft.rfft(uh, n=2 * L) * kf, n=2 * L)[..., :L] + self.D[:, None] * uh
        out = self.out(self.drop(self.act(y.transpose(1, 2))))
        return (nn.functional.glu(out, dim=-1) if self.postact == "glu" else out), None


class DeepS4D(SequenceModel):
    """The same residual backbone as :class:`lssl.DeepLSSL` with :class:`S4DLayer` layers."""

    def __init__(
        self,
        *,
        d_input: int,
        d_model: int = 128,
        n_layers: int = 6,
        d_output: int = 10,
        pool: str = "mean",
        prenorm: bool = True,
        dropout: float = 0.0,
        **s4d_kw: Any,
    ) -> None:
        super().__init__(
            d_input=d_input,
            d_model=d_model,
            n_layers=n_layers,
            d_output=d_output,
            pool=pool,
            prenorm=prenorm,
            dropout=dropout,
            layer_factory=lambda: S4DLayer(d_model=d_model, dropout=dropout, **s4d_kw),
        )


class GRUClassifier(nn.Module):
    """``nn.GRU`` (batch-first) with a linear readout of the mean-pooled or last hidden state."""

    def __init__(
        self, *, d_input: int, d_hidden: int = 64, n_layers: int = 1, d_output: int = 10, pool: str = "last"
    ) -> None:
        super().__init__()
        self.pool = _choice("pool", pool, POOLS)
        self.gru = nn.GRU(
            _positive_int("d_input", d_input), _positive_int("d_hidden", d_hidden), n_layers, batch_first=True
        )
        self.decoder = nn.Linear(d_hidden, _positive_int("d_output", d_output))

    def forward(self, x: torch.Tensor, *, rate: float = 1.0) -> torch.Tensor:
        """``rate`` is accepted for the interface of :class:`lssl.DeepLSSL` and must be 1 (a GRU has no step
        size to rescale)."""
        if rate != 1.0:
            raise ValueError(f"GRUClassifier has no step size to rescale: rate must be 1.0, got {rate!r}")
        check_dtype(x, "x", self.decoder.weight.dtype)
        if x.dim() != 3 or x.shape[-1] != self.gru.input_size:
            raise ValueError(
                f"x must be (batch, length, d_input={self.gru.input_size}), got {tuple(x.shape)}"
            )
        h, _ = self.gru(x)
        if self.pool == "mean":
            h = h.mean(1)
        elif self.pool == "last":
            h = h[:, -1]
        return self.decoder(h)
