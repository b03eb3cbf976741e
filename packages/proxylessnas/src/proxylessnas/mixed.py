"""Path-level binarised mixed edge (ProxylessNAS Sec. 3.1-3.2, Eq. 2-4; official ``search/modules/mix_op.py``).

An edge holds candidates ``o_1..o_N`` and architecture parameters ``alpha`` (``p = softmax(alpha)``). Binary gates
``g`` (one-hot, ``g ~ Categorical(p)``) select one path: ``m_bin(x) = sum_i g_i o_i(x) = o_active(x)`` (Eq. 3), so
only one path is executed and held in memory. The architecture gradient is BinaryConnect-style (Eq. 4)::

    dL/dalpha_i ~= sum_j dL/dg_j * p_j (delta_ij - p_i),      dL/dg_j = <dL/dm, o_j(x)>

Stages (a per-module attribute, set for a whole super-net with ``ProxylessSuperNet.stage``):

* ``"weights"`` — weight step: only the active candidate runs (and receives gradients).
* ``"arch"`` — architecture step; how ``dL/dg`` is obtained is the ``mode``:
  ``"two"`` (paper): two paths sampled without replacement by ``p``, the active one chosen by the pair's
  renormalised softmax; the active path runs normally, the other's output is computed without autograd
  (detached) and multiplied by its gate; only the pair's alpha moves, then :meth:`rescale_pair` keeps the other
  paths' probabilities. ``"full"``: like ``two`` over all N paths. ``"full_v2"`` (official default): a custom
  autograd function runs only the active path forward and, in backward, evaluates every candidate under
  ``no_grad`` to get ``<o_k(x), dL/dm>`` (memory of one path, compute of N).
* ``"darts"`` — DARTS' continuous relaxation ``sum_i p_i o_i(x)`` (darts-core's ``weighted_sum``): the all-paths
  baseline of the memory claim.
* ``"argmax"`` — the derived (most likely) candidate only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from darts_core.mixed import weighted_sum

MODES = ("two", "full", "full_v2")
STAGES = ("weights", "arch", "darts", "argmax")


class _ArchGradient(torch.autograd.Function):
    """``full_v2``: forward = active path only; backward: ``dL/dx`` through the active path and
    ``dL/dg_k = <o_k(x), dL/dm>`` for every candidate, recomputed under ``no_grad``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, gates: torch.Tensor, edge: BinaryMixedOp) -> torch.Tensor:  # type: ignore[override]
        xd = x.detach().requires_grad_(x.requires_grad)
        with torch.enable_grad():
            out = edge.ops[edge.active_index](xd)
        ctx.edge, ctx.xd, ctx.out, ctx.gate_dtype = edge, xd, out, gates.dtype
        return out.detach()

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor, None]:  # type: ignore[override]
        edge, xd, out = ctx.edge, ctx.xd, ctx.out
        grad_x = None
        if xd.requires_grad and out.requires_grad:
            (grad_x,) = torch.autograd.grad(out, xd, grad_out)
        with torch.no_grad():
            gg = [
                (grad_out * (out if k == edge.active_index else op(xd.detach()))).sum()
                for k, op in enumerate(edge.ops)
            ]
        ctx.xd = ctx.out = None
        return grad_x, torch.stack(gg).to(ctx.gate_dtype), None


class BinaryMixedOp(nn.Module):
    """A mixed edge with binarised paths (Eq. 3) and the BinaryConnect-style alpha gradient (Eq. 4).

    Args:
        candidates: the candidate modules (all map the edge's input to the same output shape).
        names: a name per candidate (``None``: ``op0, op1, ...``); a candidate named ``"zero"`` is the Zero op
            (its alpha update is skipped when it is the active path, as in the official code).
        mode: ``"two"`` (paper, default), ``"full"`` or ``"full_v2"`` (official default): how the gate
            gradients of the architecture step are computed.
        init_std: alpha is initialised ``N(0, init_std)`` (official 1e-3).
    """

    def __init__(
        self,
        candidates: Sequence[nn.Module],
        *,
        names: Sequence[str] | None = None,
        mode: str = "two",
        init_std: float = 1e-3,
    ) -> None:
        super().__init__()
        cands = list(candidates)
        if not cands or not all(isinstance(c, nn.Module) for c in cands):
            raise ValueError("candidates must be a non-empty sequence of nn.Module")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "two" and len(cands) < 2:
            raise ValueError(
                f"mode='two' samples two distinct paths, so the edge needs >= 2 candidates, got {len(cands)}; "
                "use mode='full' or 'full_v2' for a single-candidate edge"
            )
        if names is None:
            names = [f"op{i}" for i in range(len(cands))]
        if len(names) != len(cands):
            raise ValueError(f"names has {len(names)} entries for {len(cands)} candidates")
        if not 0 <= init_std < float("inf"):
            raise ValueError(f"init_std must be a finite number >= 0, got {init_std!r}")
        self.ops = nn.ModuleList(cands)
        self.names = tuple(str(n) for n in names)
        self.mode = mode
        self.stage = "weights"
        self.alpha = nn.Parameter(torch.randn(len(cands)) * init_std)
        self.active_index = 0
        self.pair: tuple[int, int] | None = None
        self.gates: torch.Tensor | None = None  # the leaf gate tensor of the last "arch" forward

    # ------------------------------------------------------------------ sampling
    def probs(self) -> torch.Tensor:
        """``p = softmax(alpha)`` (Eq. 2)."""
        return torch.softmax(self.alpha, dim=0)

    def sample(self, generator: torch.Generator | None = None) -> int:
        """Draw the binary gates (official ``binarize``) and return the active index.

        ``two`` mode: two distinct paths by ``multinomial(p)`` without replacement, the active one of the pair by
        ``softmax(alpha_pair)``. Otherwise one path by ``multinomial(p)``.

        Args:
            generator: CPU generator (None: torch's global one).

        Returns:
            The active index.
        """
        p = self.probs().detach().float().cpu()
        if self.mode == "two":
            pair = torch.multinomial(p, 2, replacement=False, generator=generator).tolist()
            q = torch.softmax(self.alpha.detach().float().cpu()[pair], dim=0)
            j = int(torch.multinomial(q, 1, generator=generator))
            self.pair = (int(pair[0]), int(pair[1]))
            self.active_index = self.pair[j]
        else:
            self.active_index = int(torch.multinomial(p, 1, generator=generator))
            self.pair = None
        return self.active_index

    def set_active(self, index: int, pair: tuple[int, int] | None = None) -> None:
        """Set the gates by hand.

        Args:
            index: the active candidate.
            pair: the sampled pair of ``two`` mode (must contain ``index``; None: ``index`` and the next one).
        """
        n = len(self.ops)
        if not 0 <= int(index) < n:
            raise ValueError(f"index must be in [0, {n}), got {index!r}")
        if self.mode == "two":
            if pair is None:
                pair = (int(index), (int(index) + 1) % n)
            if int(index) not in pair or len(set(pair)) != 2 or not all(0 <= i < n for i in pair):
                raise ValueError(
                    f"pair must be two distinct indices in [0, {n}) containing {index}, got {pair}"
                )
            self.pair = (int(pair[0]), int(pair[1]))
        self.active_index = int(index)

    @property
    def involved(self) -> tuple[int, ...]:
        """The candidates that take part in an architecture step: the pair (``two``) or all."""
        return self.pair if self.mode == "two" and self.pair is not None else tuple(range(len(self.ops)))

    @property
    def active_is_zero(self) -> bool:
        """Whether the active path is the Zero op (then the edge's alpha update is skipped)."""
        return self.names[self.active_index] == "zero"

    def log_prob(self) -> torch.Tensor:
        """``log p_active`` (differentiable in alpha): the REINFORCE term of this edge."""
        return torch.log_softmax(self.alpha, dim=0)[self.active_index]

    # ------------------------------------------------------------------ forward
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stage == "weights":
            return self.ops[self.active_index](x)
        if self.stage == "argmax":
            return self.ops[int(self.alpha.argmax())](x)
        if self.stage == "darts":
            return weighted_sum(self.probs().to(x.dtype), x, self.ops)
        if self.stage != "arch":
            raise ValueError(f"stage must be one of {STAGES}, got {self.stage!r}")
        a = self.active_index
        gates = torch.zeros(len(self.ops), device=x.device, dtype=x.dtype)
        gates[a] = 1.0
        gates.requires_grad_(True)
        self.gates = gates
        if self.mode == "full_v2":
            return _ArchGradient.apply(x, gates, self)
        out = gates[a] * self.ops[a](x)
        for k in self.involved:
            if k != a:
                with torch.no_grad():
                    other = self.ops[k](x)
                out = out + gates[k] * other
        return out

    # ------------------------------------------------------------------ alpha gradient
    def binary_grad_to_alpha(self, gate_grad: torch.Tensor | None = None) -> torch.Tensor:
        """Eq. 4: ``dL/dalpha_i = sum_j dL/dg_j p_j (delta_ij - p_i)``; in ``two`` mode over the sampled pair only,
        with the pair-renormalised ``p`` (zeros elsewhere).

        Args:
            gate_grad: ``dL/dg`` (shape (N,)); ``None`` reads ``self.gates.grad`` of the last arch forward.

        Returns:
            The (N,) alpha gradient (fp32, on alpha's device).
        """
        if gate_grad is None:
            if self.gates is None or self.gates.grad is None:
                raise RuntimeError("no gate gradient: run an 'arch' stage forward and backward first")
            gate_grad = self.gates.grad
        gg = gate_grad.detach().to(self.alpha.device, torch.float32)
        out = torch.zeros_like(self.alpha, dtype=torch.float32)
        idx = list(self.involved)
        p = torch.softmax(self.alpha.detach().float()[idx], dim=0)
        g = gg[idx]
        # sum_j g_j p_j (delta_ij - p_i) = p_i g_i - p_i sum_j g_j p_j
        out[idx] = p * g - p * (g * p).sum()
        return out

    @torch.no_grad()
    def rescale_pair(self, old_alpha: torch.Tensor) -> None:
        """After a ``two``-mode update: ``alpha_pair -= log(sum_pair e^alpha_new / sum_pair e^alpha_old)`` so that
        the unsampled paths keep their probabilities (official ``rescale_updated_arch_param``).

        Args:
            old_alpha: alpha before the update.
        """
        if self.mode != "two" or self.pair is None:
            return
        idx = list(self.pair)
        offset = torch.logsumexp(self.alpha[idx], 0) - torch.logsumexp(old_alpha.to(self.alpha)[idx], 0)
        self.alpha[idx] -= offset

    def extra_repr(self) -> str:
        return f"candidates={self.names}, mode={self.mode!r}, stage={self.stage!r}"
