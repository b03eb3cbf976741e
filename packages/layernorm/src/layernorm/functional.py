"""One time step of each layer-normalised recurrent cell, as pure functions.

The input term ``u`` of a step (``LN_ih(W_ih x_t)``, or ``W_ih x_t + b_ih`` for the RNN's ``norm="sum"``) does not
depend on the state, so the modules compute it for all time steps at once and pass one slice per step (the
fast path); these functions do only the recurrent part. Gate order follows torch (LSTM: i, f, g, o; GRU: r, z, n)
so weights can be copied from ``nn.LSTM`` / ``nn.GRU``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def group_layer_norm(
    a: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, groups: int, eps: float
) -> torch.Tensor:
    """Layer norm of ``a[..., G*H]``: jointly over all G*H units (``groups=1``, the paper's grouping) or over each
    of ``groups`` chunks of H units separately (per-gate grouping)."""
    if groups == 1:
        return F.layer_norm(a, a.shape[-1:], weight, bias, eps)
    shape = a.shape
    h = shape[-1] // groups
    out = F.layer_norm(a.reshape(*shape[:-1], groups, h), (h,), None, None, eps).reshape(shape)
    return out * weight + bias


def ln_lstm_step(
    u: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    weight_hh: torch.Tensor,
    ln_hh_weight: torch.Tensor,
    ln_hh_bias: torch.Tensor,
    ln_c_weight: torch.Tensor | None,
    ln_c_bias: torch.Tensor | None,
    bias: torch.Tensor | None,
    groups: int,
    eps: float,
    carry_normalized_cell: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """LN-LSTM step (paper supplementary, Eqs. 20-22): ``z = u + LN_hh(W_hh h) + b``,
    ``c' = sig(f) c + sig(i) tanh(g)``, ``h' = sig(o) tanh(LN_c(c'))``; returns ``(h', c')`` with the
    un-normalised ``c'`` carried (``carry_normalized_cell=True`` carries ``LN_c(c')`` instead)."""
    z = u + group_layer_norm(h @ weight_hh.t(), ln_hh_weight, ln_hh_bias, groups, eps)
    if bias is not None:
        z = z + bias
    # one split per step (its backward is one cat; four slices would each allocate a full-size zero gradient)
    z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)
    i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
    g = torch.tanh(z_g)
    c_new = torch.addcmul(f * c, i, g)
    c_out = (
        c_new if ln_c_weight is None else F.layer_norm(c_new, c_new.shape[-1:], ln_c_weight, ln_c_bias, eps)
    )
    h_new = o * torch.tanh(c_out)
    return h_new, (c_out if carry_normalized_cell else c_new)


def ln_gru_step(
    u_rz: torch.Tensor,
    u_n: torch.Tensor,
    h: torch.Tensor,
    weight_hh: torch.Tensor,
    ln_hh_rz_weight: torch.Tensor,
    ln_hh_rz_bias: torch.Tensor,
    ln_hn_weight: torch.Tensor,
    ln_hn_bias: torch.Tensor,
    bias_hh: torch.Tensor | None,
    groups: int,
    eps: float,
) -> torch.Tensor:
    """LN-GRU step (the authors' four-LN cell in torch's convention): ``r, z = sig(u_rz + LN(W_h[rz] h) + b)``,
    ``n = tanh(u_n + r * (LN(W_hn h) + b_hn))``, ``h' = (1 - z) n + z h``. ``u_rz``/``u_n`` already hold the
    normalised input terms plus ``b_ih``."""
    H = h.shape[-1]
    wh = h @ weight_hh.t()
    a_rz = group_layer_norm(wh[..., : 2 * H], ln_hh_rz_weight, ln_hh_rz_bias, groups, eps)
    a_n = F.layer_norm(wh[..., 2 * H :], (H,), ln_hn_weight, ln_hn_bias, eps)
    if bias_hh is not None:
        a_rz = a_rz + bias_hh[: 2 * H]
        a_n = a_n + bias_hh[2 * H :]
    r, z = torch.sigmoid(u_rz + a_rz).chunk(2, dim=-1)
    n = torch.tanh(u_n + r * a_n)
    return (1 - z) * n + z * h


def ln_rnn_step(
    u: torch.Tensor,
    h: torch.Tensor,
    weight_hh: torch.Tensor,
    ln_weight: torch.Tensor,
    ln_bias: torch.Tensor,
    bias_hh: torch.Tensor | None,
    norm: str,
    nonlinearity: str,
    eps: float,
) -> torch.Tensor:
    """LN vanilla RNN step. ``norm="sum"`` (paper Sec. 3.2, Eq. 4): ``h' = f(LN(u + W_hh h + b_hh))`` where
    ``u = W_ih x + b_ih``; ``norm="split"``: ``h' = f(u + LN_hh(W_hh h) + b_hh)`` with ``u = LN_ih(W_ih x) + b_ih``."""
    wh = h @ weight_hh.t()
    if norm == "sum":
        a = u + wh if bias_hh is None else u + wh + bias_hh
        a = F.layer_norm(a, a.shape[-1:], ln_weight, ln_bias, eps)
    else:
        a = u + F.layer_norm(wh, wh.shape[-1:], ln_weight, ln_bias, eps)
        if bias_hh is not None:
            a = a + bias_hh
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)
