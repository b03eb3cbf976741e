"""Study ``equivalence``: one LSSL is a convolution and a recurrence at once (Sec. 3). The convolutional view
equals the recurrent view (fp32 and fp64, with and without an initial state), the Krylov squaring kernel equals
the sequential one, ``step()`` equals the recurrence, and the convolution is much faster (forward + backward).
One seed: the first of the run (``n_seeds`` is fixed at 1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from lssl.krylov import krylov_sequential
from lssl.layer import LSSL
from lssl.reproduce.common import check_ints, check_positive
from paperzoo_shared.bench import time_fn
from paperzoo_shared.runner import Context, threads


@dataclasses.dataclass(frozen=True)
class Config:
    H: int = 64  # d_model
    N: int = 64  # d_state
    batch: int = 16
    lengths: tuple[int, ...] = (256, 1024)  # equivalence checked at the first, speed timed at the last
    speedup_min: float = 10.0  # criterion: conv >= speedup_min x faster than the recurrence
    threads: int | None = 1  # torch threads during the study (restored); None: the runner's (--threads)

    def __post_init__(self) -> None:
        check_ints("equivalence", self, ("H", "N", "batch"))
        if not self.lengths or any(not isinstance(n, int) or n < 1 for n in self.lengths):
            raise ValueError(f"equivalence.lengths must be positive ints, got {self.lengths!r}")
        check_positive("equivalence", self, ("speedup_min",))
        if self.threads is not None:
            check_ints("equivalence", self, ("threads",))


def _view_errors(layer: LSSL, cfg: Config, device: Any) -> dict[str, float]:
    """Max relative |conv - recurrent| in fp32 and fp64 (with and without initial state), Krylov squaring vs
    sequential (fp32), and step() vs recurrent (fp64)."""
    L = cfg.lengths[0]
    errs: dict[torch.dtype, list[float]] = {torch.float32: [], torch.float64: []}
    kry: list[float] = []
    for dtype, err in errs.items():
        layer.to(dtype)
        u = torch.randn(cfg.batch, L, cfg.H, device=device, dtype=dtype)
        s = torch.randn(cfg.batch, cfg.H, cfg.N, device=device, dtype=dtype)
        with torch.no_grad():
            for state in (None, s):
                yc, _ = layer(u, state)
                yr, _ = layer(u, state, mode="recurrent")
                err.append(((yc - yr).abs().max() / yr.abs().max().clamp_min(1.0)).item())
            Ab, Bb = layer.discrete()
            Kq = layer.krylov_matrix(L)
            Ks = krylov_sequential(L, Ab, Bb)
            kry.append(((Kq - Ks).norm() / Ks.norm()).item())
    out = {
        "conv_vs_rec_fp32": max(errs[torch.float32]),
        "conv_vs_rec_fp64": max(errs[torch.float64]),
        "krylov_rel_err_fp32": kry[0],
    }
    layer.double()
    u = torch.randn(2, 32, cfg.H, device=device, dtype=torch.float64)
    with torch.no_grad():
        yr, _ = layer(u, mode="recurrent")
        x = layer.default_state(2)
        ys = []
        for t in range(u.shape[1]):
            y_t, x = layer.step(u[:, t], x)
            ys.append(y_t)
        out["step_vs_rec_fp64"] = (torch.stack(ys, 1) - yr).abs().max().item()
    return out


def measure(cfg: Config, device: Any, seed: int = 0) -> dict[str, float]:
    """The view errors and the forward+backward times of both views at the longest length."""
    torch.manual_seed(seed)
    layer = LSSL(d_model=cfg.H, d_state=cfg.N, learn_A="fixed", learn_dt=False).to(device)
    out = _view_errors(layer, cfg, device)
    layer.float()
    u = torch.randn(cfg.batch, cfg.lengths[-1], cfg.H, device=device, requires_grad=True)

    def fb(mode: str) -> Callable[[], None]:
        def f() -> None:
            y, _ = layer(u, mode=mode)
            y.square().mean().backward()

        return f

    out["conv_fwd_bwd_s"] = time_fn(fb("conv"), warmup=1, repeat=3).median
    out["rec_fwd_bwd_s"] = time_fn(fb("recurrent"), warmup=0, repeat=1).median  # ~20 s at cpu scale
    out["speedup"] = out["rec_fwd_bwd_s"] / out["conv_fwd_bwd_s"]
    return out


def run(cfg: Config, ctx: Context) -> None:
    (seed,) = ctx.seeds_prefix(1)
    with threads(cfg.threads):
        eq = measure(cfg, ctx.device, seed)
    ctx.add_seed(seed, {k: v for k, v in eq.items() if not k.endswith("_s") and k != "speedup"})
    for k, v in eq.items():
        ctx.set_summary(k, v)
    ctx.add_row(
        f"three views: conv vs recurrent, fp32 (LegS, H={cfg.H}, N={cfg.N})",
        "max rel. diff",
        eq["conv_vs_rec_fp32"],
        paper="equal by construction (Sec. 3)",
    )
    ctx.add_row(
        "three views: conv vs recurrent, fp64",
        "max rel. diff",
        eq["conv_vs_rec_fp64"],
        paper="equal by construction (Sec. 3)",
    )
    ctx.add_row(
        "Krylov squaring vs sequential, fp32",
        "rel. error",
        eq["krylov_rel_err_fp32"],
        paper="Thm. 2 fast algorithm unstable (not used)",
    )
    ctx.add_row(
        f"fwd+bwd time, L={cfg.lengths[-1]}, B={cfg.batch}",
        "conv speed-up over recurrence",
        eq["speedup"],
        paper=None,
        baseline=f"recurrent {eq['rec_fwd_bwd_s']:.3f} s vs conv {eq['conv_fwd_bwd_s']:.4f} s",
    )
    ctx.add_criterion(
        "conv == recurrent: fp32 < 1e-4, fp64 < 1e-10 (with and without initial state)",
        eq["conv_vs_rec_fp32"] < 1e-4 and eq["conv_vs_rec_fp64"] < 1e-10,
        f"fp32 {eq['conv_vs_rec_fp32']:.2e}, fp64 {eq['conv_vs_rec_fp64']:.2e}",
    )
    ctx.add_criterion(
        "Krylov squaring == sequential (rel < 1e-5) and step() == recurrent (< 1e-10)",
        eq["krylov_rel_err_fp32"] < 1e-5 and eq["step_vs_rec_fp64"] < 1e-10,
        f"{eq['krylov_rel_err_fp32']:.2e}, {eq['step_vs_rec_fp64']:.2e}",
    )
    ctx.add_criterion(
        f"conv >= {cfg.speedup_min:g}x faster than recurrence (fwd+bwd, L={cfg.lengths[-1]})",
        eq["speedup"] >= cfg.speedup_min,
        f"{eq['speedup']:.1f}x",
    )
