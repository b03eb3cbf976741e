"""Deep LSSL (paper Section 5 and Appendix B.4): residual blocks of LSSL + LayerNorm + dropout, a linear
encoder, pooling over time and a linear decoder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from lssl.layer import LSSL, MODES, _choice, _positive_int, check_dtype

POOLS = ("mean", "last", "none")


class LSSLBlock(nn.Module):
    """One residual block: ``x + dropout(layer(norm(x)))`` (pre-norm) or ``norm(x + dropout(layer(x)))``.

    ``layer`` is any module mapping ``(B, L, H) -> (y (B, L, H), state)`` like :class:`lssl.LSSL`; by default
    an LSSL built from ``lssl_kw``.
    """

    def __init__(
        self,
        *,
        d_model: int,
        prenorm: bool = True,
        dropout: float = 0.0,
        layer: nn.Module | None = None,
        **lssl_kw: Any,
    ) -> None:
        super().__init__()
        self.prenorm = bool(prenorm)
        self.layer = layer if layer is not None else LSSL(d_model=d_model, dropout=dropout, **lssl_kw)
        self.norm = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, *, rate: float = 1.0, mode: str = "conv") -> torch.Tensor:
        _choice("mode", mode, MODES)
        if mode != "conv" and not isinstance(self.layer, LSSL):
            raise ValueError(
                f"mode={mode!r} needs LSSL layers; {type(self.layer).__name__} runs as a convolution only"
            )
        z = self.norm(x) if self.prenorm else x
        kw: dict[str, Any] = {"rate": rate, "mode": mode} if isinstance(self.layer, LSSL) else {"rate": rate}
        y, _ = self.layer(z, **kw)
        x = x + self.drop(y)
        return x if self.prenorm else self.norm(x)

    def extra_repr(self) -> str:
        return f"prenorm={self.prenorm}"


class SequenceModel(nn.Module):
    """Encoder ``Linear(d_input -> H)``, ``n_layers`` residual blocks from ``layer_factory()``, (final norm when
    pre-norm), pooling over time (``mean``, ``last`` or ``none``) and decoder ``Linear(H -> d_output)``.
    Input ``(B, L, d_input)``; output ``(B, d_output)`` or ``(B, L, d_output)`` with ``pool="none"``."""

    def __init__(
        self,
        *,
        d_input: int,
        d_model: int,
        n_layers: int,
        d_output: int,
        layer_factory: Callable[[], nn.Module],
        pool: str = "mean",
        prenorm: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.d_input = _positive_int("d_input", d_input)
        self.d_model = _positive_int("d_model", d_model)
        self.n_layers = _positive_int("n_layers", n_layers)
        self.d_output = _positive_int("d_output", d_output)
        self.pool = _choice("pool", pool, POOLS)
        self.prenorm = bool(prenorm)
        self.encoder = nn.Linear(d_input, d_model)
        self.blocks = nn.ModuleList(
            LSSLBlock(d_model=d_model, prenorm=prenorm, dropout=dropout, layer=layer_factory())
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model) if prenorm else nn.Identity()
        self.decoder = nn.Linear(d_model, d_output)

    def forward(self, x: torch.Tensor, *, rate: float = 1.0, mode: str = "conv") -> torch.Tensor:
        """``mode`` (``conv`` or ``recurrent``) goes to every LSSL layer; ``rate`` multiplies every layer's dt."""
        check_dtype(x, "x", self.encoder.weight.dtype)
        if x.dim() != 3 or x.shape[-1] != self.d_input:
            raise ValueError(f"x must be (batch, length, d_input={self.d_input}), got {tuple(x.shape)}")
        if x.shape[1] < 1:
            raise ValueError(f"x must have length >= 1, got shape {tuple(x.shape)}")
        h = self.encoder(x)
        for block in self.blocks:
            h = block(h, rate=rate, mode=mode)
        h = self.norm(h)
        if self.pool == "mean":
            h = h.mean(dim=1)
        elif self.pool == "last":
            h = h[:, -1]
        return self.decoder(h)

    def extra_repr(self) -> str:
        return f"d_input={self.d_input}, d_model={self.d_model}, n_layers={self.n_layers}, d_output={self.d_output}, pool={self.pool!r}"


class DeepLSSL(SequenceModel):
    """The deep LSSL classifier/regressor; ``lssl_kw`` go to every :class:`lssl.LSSL` (e.g. ``d_state``,
    ``measure``, ``learn_A``, ``learn_dt``, ``channels``). ``mode="recurrent"`` in ``forward`` runs every layer
    as a recurrence (same outputs)."""

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
        **lssl_kw: Any,
    ) -> None:
        super().__init__(
            d_input=d_input,
            d_model=d_model,
            n_layers=n_layers,
            d_output=d_output,
            pool=pool,
            prenorm=prenorm,
            dropout=dropout,
            layer_factory=lambda: LSSL(d_model=d_model, dropout=dropout, **lssl_kw),
        )
