"""The hard-constraint layers: PI-HC (one global solve) and PI-HC-MoE (one solve per spatial block).

Given a basis ``b`` of ``N`` functions sampled on the ``(n_t, n_x)`` grid (the output of any network), the layer
finds coefficients ``w`` so that ``u = b w`` satisfies the PDE at ``m`` sampled points together with the initial
and boundary conditions, by the stacked least-squares problem of :mod:`physics_moe.implicit` (the paper's Eq. 2-3;
the mixture of experts is its Eq. 4: expert ``k`` solves the same problem with the PDE rows of its block ``k``, all
experts share the global IC/BC rows, and ``u(x) = b(x) w_{k(x)}``). The solve runs in float64 whatever the
backbone's dtype; ``u`` is cast back to the basis' dtype.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from physics_moe._checks import check_float, check_increasing, check_int, check_pair, check_tensor
from physics_moe.implicit import BACKWARDS, SolveSpec, solve_lsq
from physics_moe.lm import LMInfo
from physics_moe.partition import check_experts, partition, unpartition
from physics_moe.pdes import PDE1D


@dataclasses.dataclass
class ConstraintOutput:
    """The layer's output: ``u`` ``(B, n_t, n_x)``, ``w`` ``(B, K, N)`` and the solver's ``info`` (``(B, K)`` each)."""

    u: torch.Tensor
    w: torch.Tensor
    info: LMInfo


_LOW_PRECISION = (torch.float16, torch.bfloat16)
logger = logging.getLogger("physics_moe")


class HardConstraint(nn.Module):
    """PI-HC: impose the PDE, the initial and the boundary conditions on ``u = b w`` by a least-squares solve.

    Args:
        pde: the PDE (:mod:`physics_moe.pdes`).
        n_samples: ``m``, PDE points sampled per expert for each forward (fresh in training, a fixed set in eval).
        experts: blocks per grid axis ``(e_t, e_x)``; ``(1, 1)`` is the global constraint (PI-HC).
        ridge: weight of the ridge rows ``ridge * w`` (official default 1e-4).
        max_iter: Levenberg-Marquardt iterations at most (the paper: 50).
        rtol: LM relative step tolerance.
        atol: LM absolute step tolerance.
        tau: LM initial damping relative to ``max diag(J^T J)``; None: 1e-3, or 0 for a linear PDE (the first
            step is then the exact Gauss-Newton solution and LM stops after the next, tiny step).
        scaling: LM damping matrix, ``identity`` or ``marquardt``.
        hessian: ``full`` (exact IFT at a least-squares optimum) or ``gauss_newton`` (drops second-order terms).
        backward: ``implicit`` (IFT) or ``unroll`` (autograd through the LM iterations; a reference, slow).
        w_init: initial value of every coefficient (ones in the official diffusion-sorption code).
        ic_relative: divide the initial-condition rows by ``u0`` (the official code's relative rows); refused when
            ``u0`` has zeros.
        dtype: dtype of the solve; float64 is strongly recommended (the official code requires FP64).
        strict: raise ``RuntimeError`` when an LM solve does not converge (default: report it in ``info``).
        allow_fewer: clamp ``n_samples`` to the points of a block instead of raising.
        eval_seed: seed of the fixed sample set used in eval mode.
        expert_devices: devices to spread the experts over (e.g. ``["cuda:0", "cuda:1"]``); None keeps them on
            the basis' device, batched in one solve.
    """

    def __init__(
        self,
        pde: PDE1D,
        *,
        n_samples: int = 2000,
        experts: Sequence[int] = (1, 1),
        ridge: float = 1e-4,
        max_iter: int = 50,
        rtol: float = 1e-4,
        atol: float = 1e-4,
        tau: float | None = None,
        scaling: str = "identity",
        hessian: str = "full",
        backward: str = "implicit",
        w_init: float = 1.0,
        ic_relative: bool = False,
        dtype: torch.dtype = torch.float64,
        strict: bool = False,
        allow_fewer: bool = False,
        eval_seed: int = 0,
        expert_devices: Sequence[str | torch.device] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(pde, PDE1D):
            raise TypeError(f"pde must be a physics_moe.pdes.PDE1D, got {type(pde).__name__}")
        check_int("n_samples", n_samples)
        if backward not in BACKWARDS:
            raise ValueError(f"backward must be one of {BACKWARDS}, got {backward!r}")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float64 (or float32), got {dtype}")
        if dtype != torch.float64:
            warnings.warn(
                "the constraint solve in float32 stalls LM and gives noisy implicit gradients; use float64",
                stacklevel=2,
            )
        self.experts = check_pair("experts", experts)
        check_float("w_init", w_init)
        check_int("eval_seed", eval_seed, 0)
        self.spec = SolveSpec(
            pde=pde,
            ridge=ridge,
            max_iter=max_iter,
            rtol=rtol,
            atol=atol,
            tau=tau if tau is not None else (0.0 if pde.linear else 1e-3),
            scaling=scaling,
            hessian=hessian,
        )
        self.pde = pde
        self.n_samples = int(n_samples)
        self.backward_mode = backward
        self.w_init = float(w_init)
        self.ic_relative = bool(ic_relative)
        self.solve_dtype = dtype
        self.strict = bool(strict)
        self.allow_fewer = bool(allow_fewer)
        self.eval_seed = int(eval_seed)
        self.expert_devices = [torch.device(d) for d in expert_devices] if expert_devices else None
        self._warned_low_precision = False

    @property
    def n_experts(self) -> int:
        """``K``, the number of experts."""
        return math.prod(self.experts)

    def extra_repr(self) -> str:
        s = self.spec
        return (
            f"pde={self.pde!r}, n_samples={self.n_samples}, experts={self.experts}, ridge={s.ridge}, "
            f"max_iter={s.max_iter}, rtol={s.rtol}, atol={s.atol}, hessian={s.hessian!r}, "
            f"backward={self.backward_mode!r}"
        )

    # ------------------------------------------------------------------------------------------ inputs
    def _check(self, basis, t, x, u0, bc) -> None:
        check_tensor("basis", basis)
        for name, v in (("t", t), ("x", x), ("u0", u0)):
            check_tensor(name, v)
        if bc is not None:
            check_tensor("bc", bc)
        if basis.ndim != 4:
            raise ValueError(f"basis must have shape (B, n_t, n_x, N), got {tuple(basis.shape)}")
        B, nt, nx, n = basis.shape
        if n == 0 or B == 0:
            raise ValueError(f"basis needs B >= 1 and N >= 1 channels, got shape {tuple(basis.shape)}")
        if t.shape != (nt,) or x.shape != (nx,):
            raise ValueError(
                f"t and x must have shapes ({nt},) and ({nx},) to match basis {tuple(basis.shape)}, got "
                f"{tuple(t.shape)} and {tuple(x.shape)}"
            )
        if u0.shape != (B, nx):
            raise ValueError(
                f"u0 must have shape ({B}, {nx}) to match basis {tuple(basis.shape)}, got {tuple(u0.shape)}"
            )
        if bc is not None and bc.shape != (B, nt, 2):
            raise ValueError(f"bc must have shape ({B}, {nt}, 2) (left, right), got {tuple(bc.shape)}")
        check_experts((nt, nx), self.experts)
        if not bool(torch.isfinite(basis).all()):
            raise FloatingPointError("basis has NaN or infinite values")
        for name, v in (("u0", u0), ("bc", bc), ("t", t), ("x", x)):
            if v is not None and not bool(torch.isfinite(v).all()):
                raise FloatingPointError(f"{name} has NaN or infinite values")
        check_increasing("t", t)
        check_increasing("x", x)
        if self.ic_relative and bool((u0 == 0).any()):
            raise ValueError(
                "u0 has zeros: relative initial-condition rows divide by u0; use ic_relative=False"
            )

    def _n_samples(self, block_points: int, n_basis: int) -> int:
        m = self.n_samples
        if m > block_points:
            if not self.allow_fewer:
                raise ValueError(
                    f"n_samples={m} exceeds the {block_points} points of a block (experts={self.experts}); "
                    "lower it or pass allow_fewer=True"
                )
            m = block_points
        if m < n_basis and self.spec.ridge < 1e-3:
            warnings.warn(
                f"n_samples={m} < N={n_basis} basis functions: the PDE rows underdetermine w (ridge "
                f"{self.spec.ridge})",
                stacklevel=3,
            )
        return m

    def sample_indices(
        self, k: int, block_points: int, m: int, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """The sampled points of each expert: ``(K, m)`` indices into the flattened block, without replacement.

        Args:
            k: number of experts.
            block_points: points per block.
            m: points to sample per expert.
            generator: CPU generator (default: the global RNG in training, ``eval_seed`` in eval mode).

        Returns:
            A long tensor ``(K, m)`` on the CPU.
        """
        if generator is None and not self.training:
            generator = torch.Generator().manual_seed(self.eval_seed)
        if m == block_points:
            return torch.arange(block_points).expand(k, block_points)
        return torch.rand(k, block_points, generator=generator).argsort(dim=1)[:, :m]

    # ----------------------------------------------------------------------------------------- forward
    def forward(
        self,
        basis: torch.Tensor,
        t: torch.Tensor,
        x: torch.Tensor,
        u0: torch.Tensor,
        bc: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> ConstraintOutput:
        """Constrain ``u = b w`` (Eq. 2-4 of the paper).

        Args:
            basis: ``(B, n_t, n_x, N)`` basis functions on the grid.
            t: time nodes ``(n_t,)`` (physical units: the derivatives use them).
            x: space nodes ``(n_x,)``.
            u0: initial condition ``(B, n_x)``.
            bc: boundary values ``(B, n_t, 2)`` (left, right); None: the PDE's default (homogeneous).
                ``t``, ``x``, ``u0`` and ``bc`` are moved to the device of ``basis``.
            generator: CPU generator for the sampled points (default: see :meth:`sample_indices`).

        Returns:
            A :class:`ConstraintOutput`.
        """
        self._check(basis, t, x, u0, bc)
        out_dtype = basis.dtype
        if out_dtype in _LOW_PRECISION and not self._warned_low_precision:
            warnings.warn(f"basis in {out_dtype}: cast to {self.solve_dtype} for the solve", stacklevel=2)
            self._warned_low_precision = True
        dt = self.solve_dtype
        b = basis.to(dt)
        B, nt, nx, n = b.shape
        tt, xx = t.to(device=b.device, dtype=dt), x.to(device=b.device, dtype=dt)
        terms = self.pde.residual_terms(b, tt, xx)
        K = self.n_experts
        block_points = (nt // self.experts[0]) * (nx // self.experts[1])
        m = self._n_samples(block_points, n)
        idx = self.sample_indices(K, block_points, m, generator=generator).to(b.device)
        stacked = torch.stack([terms[name] for name in self.pde.terms], dim=1)  # (B, q, nt, nx, N)
        blocks = partition(stacked, self.experts, start_dim=2).flatten(3, 4)  # (B, q, K, P, N)
        gather = idx.reshape(1, 1, K, m, 1).expand(B, blocks.shape[1], K, m, n)
        T = torch.gather(blocks, 3, gather).transpose(1, 2)  # (B, K, q, m, N)
        u0d = u0.to(b)
        a_ic, y_ic = b[:, 0], u0d
        if self.ic_relative:
            a_ic, y_ic = a_ic / u0d.unsqueeze(-1), torch.ones_like(u0d)
        rows = [(a_ic, y_ic)]
        bc_rows = self.pde.bc_rows(terms, None if bc is None else bc.to(b))
        if bc_rows is not None:
            rows.append(bc_rows)
        A = torch.cat([r[0] for r in rows], dim=1)
        y = torch.cat([r[1] for r in rows], dim=1)
        A = A.unsqueeze(1).expand(B, K, *A.shape[1:])  # the global IC/BC rows go to every expert
        y = y.unsqueeze(1).expand(B, K, y.shape[-1])
        w0 = torch.full((B, K, n), self.w_init, dtype=dt, device=b.device)
        w, info = self._solve(T, A, y, w0)
        n_bad = int((~info.converged).sum())
        if n_bad and self.strict:
            raise RuntimeError(
                f"LM did not converge for {int((~info.converged).sum())} of {info.converged.numel()} problems "
                f"in {self.spec.max_iter} iterations"
            )
        if n_bad:
            logger.info(
                "LM did not converge for %d of %d problems in %d iterations",
                n_bad,
                info.converged.numel(),
                self.spec.max_iter,
            )
        u_blocks = torch.einsum("bkpqn,bkn->bkpq", partition(b, self.experts, start_dim=1), w)
        u = unpartition(u_blocks, self.experts, start_dim=1)
        return ConstraintOutput(u=u.to(out_dtype), w=w, info=info)

    def _solve(self, T, A, y, w0) -> tuple[torch.Tensor, LMInfo]:
        B, K = T.shape[:2]

        def one(T, A, y, w0):
            S = T.shape[0] * T.shape[1]
            w, info = solve_lsq(
                T.reshape(S, *T.shape[2:]),
                A.reshape(S, *A.shape[2:]),
                y.reshape(S, -1),
                self.spec,
                w0=w0.reshape(S, -1),
                backward=self.backward_mode,
            )
            k = T.shape[1]
            return w.reshape(B, k, -1), LMInfo(*(v.reshape(B, k) for v in dataclasses.astuple(info)))

        if not self.expert_devices or K == 1:
            return one(T, A, y, w0)
        home = T.device
        chunks = torch.arange(K).chunk(len(self.expert_devices))
        ws, infos = [], []
        for dev, ks in zip(self.expert_devices, chunks, strict=False):
            ks = ks.to(home)
            w, info = one(*(v.index_select(1, ks).to(dev) for v in (T, A, y, w0)))
            ws.append(w.to(home))
            infos.append(info)
        cat = [
            torch.cat([getattr(i, f.name).to(home) for i in infos], dim=1) for f in dataclasses.fields(LMInfo)
        ]
        return torch.cat(ws, dim=1), LMInfo(*cat)


class MoEHardConstraint(HardConstraint):
    """PI-HC-MoE: :class:`HardConstraint` with the grid split among experts (default ``(1, 4)``: four spatial
    blocks, the paper's diffusion-sorption setting). ``n_samples`` is per expert. Every keyword of
    :class:`HardConstraint` applies.

    Args:
        pde: the PDE.
        experts: blocks per grid axis ``(e_t, e_x)``.
        **kwargs: the keywords of :class:`HardConstraint`.
    """

    def __init__(self, pde: PDE1D, *, experts: Sequence[int] = (1, 4), **kwargs: Any) -> None:
        super().__init__(pde, experts=experts, **kwargs)


class SoftConstraint(nn.Module):
    """PI-SC: no constraint layer; the network's single output channel is ``u`` (trained with the penalty loss).

    ``forward(out)`` maps ``(B, n_t, n_x, 1)`` to ``(B, n_t, n_x)``.
    """

    def forward(self, out: torch.Tensor) -> torch.Tensor:
        """The network's single channel as ``u``.

        Args:
            out: network output ``(B, n_t, n_x, 1)``.

        Returns:
            ``u`` of shape ``(B, n_t, n_x)``.
        """
        check_tensor("out", out)
        if out.ndim != 4 or out.shape[-1] != 1:
            raise ValueError(f"SoftConstraint expects (B, n_t, n_x, 1), got {tuple(out.shape)}")
        if not bool(torch.isfinite(out).all()):
            raise FloatingPointError("network output has NaN or infinite values")
        return out.squeeze(-1)
