"""Study ``memory``: search memory stays at single-path level while the DARTS all-paths super-net grows linearly
with the number of candidates N (spec ``proxylessnas.md``, CPU protocol with the Planner's note, turn 2).

Super-net: stem conv 16 -> 6 searchable blocks (widths 16, 24, 24, 32, 32, 64; strides 1, 2, 1, 2, 1, 1) -> GAP
-> fc 10; candidates: the first N of k3_e3, k5_e3, k7_e3, k3_e6, k5_e6, k7_e6, k3_e1, k5_e1, k7_e1, zero (zero
only where a block has an identity shortcut). Data: one batch of digits upsampled to ``size`` x ``size``. For each
N and each setting, (a) DARTS softmax step (darts-core's ``weighted_sum``), (b) ProxylessNAS weight step, (c)
architecture step ``two``, (d) architecture step ``full_v2``, (e) the standalone single-path network, one fresh
process measures: saved-for-backward bytes (each storage once, parameters excluded; averaged over the gate seeds,
each Proxyless setting against the standalone net of *its own* sampled path), the peak-RSS increase of the first
step (reported, not asserted) and the median wall time of ``timing_steps`` steps.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from proxylessnas import MBCONV_CANDIDATES, saved_tensor_bytes
from proxylessnas.reproduce._memory_worker import VARIANTS, _net

LABELS = {
    "darts": "(a) DARTS all paths",
    "weights": "(b) Proxyless weight step",
    "two": "(c) Proxyless arch step, two",
    "full_v2": "(d) Proxyless arch step, full_v2",
    "single": "(e) standalone single path",
}


@dataclasses.dataclass(frozen=True)
class Config:
    ns: tuple[int, ...] = (2, 4, 6, 8, 10)
    size: int = 16  # digits upsampled to size x size
    batch_size: int = 64
    gate_seeds: int = 5  # gate samples per (N, setting): the first seeds of the preset
    timing_steps: int = 5
    fresh_process: bool = True  # one fresh process per (N, setting), so that peak RSS is clean
    # pass thresholds (spec + Planner's note, turn 2)
    single_ratio_lo: float = 0.8  # (b)/(e) per N
    single_ratio_hi: float = 1.25
    max_slope_fraction: float = 0.05  # slope (b) vs N <= this x slope (a) vs N
    min_growth: float = 4.0  # (a)(N max) / (a)(N min)
    max_two_ratio: float = 1.5  # (c)/(e) per N
    min_r2: float = 0.95  # (a) linear in the candidates' summed standalone bytes

    def __post_init__(self) -> None:
        if len(self.ns) < 2 or any(not 1 <= n <= len(MBCONV_CANDIDATES) + 1 for n in self.ns):
            raise ValueError(f"memory.ns needs >= 2 values in [1, 10], got {self.ns}")
        for name in ("size", "batch_size", "gate_seeds", "timing_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"memory.{name} must be >= 1, got {getattr(self, name)}")


def digits_batch(size: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``batch_size`` digits, standardised, upsampled (bilinear) to ``size`` x ``size``."""
    from paperzoo_shared.data import load_sklearn

    X, y = load_sklearn("digits", dtype=torch.float32)
    X = X.reshape(-1, 1, 8, 8)
    X = (X - X.mean()) / X.std()
    x = F.interpolate(X[:batch_size], size=(size, size), mode="bilinear", align_corners=False)
    return x.contiguous(), y[:batch_size].long()


def summed_standalone_bytes(n: int, x: torch.Tensor) -> int:
    """``sum_blocks sum_candidates`` saved bytes of each candidate run alone on its block's input (the x-axis of
    the linearity check of (a))."""
    net = _net(n, "two")
    total = 0
    with torch.no_grad():
        h = net.stem(x)
    for edge, res in zip(net.edges, net.residual, strict=True):
        for op in edge.ops:
            inp = h.detach().requires_grad_(True)
            total += saved_tensor_bytes(functools.partial(_fwd_bwd, op, inp), exclude=op.parameters())
        with torch.no_grad():
            out = edge.ops[0](h)
            h = h + out if res else out
    return total


def _fwd_bwd(op: torch.nn.Module, inp: torch.Tensor) -> None:
    out = op(inp)
    if out.requires_grad:
        out.sum().backward()


def _worker(spec: dict[str, Any], fresh_process: bool) -> dict[str, Any]:
    if not fresh_process:
        from proxylessnas.reproduce._memory_worker import measure

        return measure(spec)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "proxylessnas.reproduce._memory_worker", json.dumps(spec)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"memory worker {spec['variant']} N={spec['n']} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope and R^2."""
    a, b = np.polyfit(xs, ys, 1)
    pred = a * np.asarray(xs) + b
    ss_res = float(((np.asarray(ys) - pred) ** 2).sum())
    ss_tot = float(((np.asarray(ys) - np.mean(ys)) ** 2).sum())
    return float(a), 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0


def run(cfg: Config, ctx: Context) -> None:
    seeds = list(ctx.seeds_prefix(cfg.gate_seeds))
    x, y = digits_batch(cfg.size, cfg.batch_size)
    res: dict[int, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "batch.pt")
        torch.save((x, y), path)
        jobs = [(n, v) for n in cfg.ns for v in VARIANTS]
        for n, v in ctx.progress(jobs, desc="memory"):
            spec = {"n": n, "variant": v, "seeds": seeds, "batch": path, "timing_steps": cfg.timing_steps,
                    "device": str(ctx.device)}  # fmt: skip
            res.setdefault(n, {})[v] = _worker(spec, cfg.fresh_process)
    summed = {n: summed_standalone_bytes(n, x) for n in cfg.ns}
    _report(cfg, ctx, res, summed, seeds)


def _ratio(r: dict[str, Any]) -> float:
    return statistics.mean(s / e for s, e in zip(r["saved_bytes"], r["single_bytes"], strict=True))


def _report(
    cfg: Config,
    ctx: Context,
    res: dict[int, dict[str, dict[str, Any]]],
    summed: dict[int, int],
    seeds: list[int],
) -> None:
    mib = 2.0**20
    ns = list(cfg.ns)
    mean_bytes = {v: [statistics.mean(res[n][v]["saved_bytes"]) for n in ns] for v in VARIANTS}
    rows = []
    for i, n in enumerate(ns):
        r = res[n]
        rows.append([
            n,
            *(mean_bytes[v][i] / mib for v in VARIANTS),
            _ratio(r["weights"]), _ratio(r["two"]), _ratio(r["full_v2"]),
            *(r[v]["rss_bytes"] / mib for v in VARIANTS),
            *(1e3 * r[v]["step_s"] for v in VARIANTS),
        ])  # fmt: skip
        ctx.add_seed(n, {f"{v}/saved_mib": mean_bytes[v][i] / mib for v in VARIANTS}
                     | {f"{v}/rss_mib": r[v]["rss_bytes"] / mib for v in VARIANTS})  # fmt: skip
    ctx.add_table(
        "memory",
        ["N", *(f"saved MiB {k}" for k in "abcde"), "(b)/(e)", "(c)/(e)", "(d)/(e)",
         *(f"RSS MiB {k}" for k in "abcde"), *(f"ms/step {k}" for k in "abcde")],
        rows,
    )  # fmt: skip
    ctx.set_data(
        "saved_bytes", {v: mean_bytes[v] for v in VARIANTS} | {"ns": ns, "summed": [summed[n] for n in ns]}
    )
    b_ratio = [_ratio(res[n]["weights"]) for n in ns]
    c_ratio = [_ratio(res[n]["two"]) for n in ns]
    d_ratio = [_ratio(res[n]["full_v2"]) for n in ns]
    slope_a, _ = _fit(ns, mean_bytes["darts"])
    slope_b, _ = _fit(ns, mean_bytes["weights"])
    _, r2 = _fit([summed[n] for n in ns], mean_bytes["darts"])
    growth = mean_bytes["darts"][-1] / mean_bytes["darts"][0]
    for name, v in (("b_over_e", b_ratio), ("c_over_e", c_ratio), ("d_over_e", d_ratio)):
        ctx.set_summary(name, mean_std(v))
    ctx.set_summary("slope_fraction", slope_b / slope_a)
    ctx.set_summary("darts_growth", growth)
    ctx.set_summary("darts_r2", r2)
    n_lo, n_hi = ns[0], ns[-1]
    ctx.add_row(f"CPU-scale memory sweep, N in {ns}, {cfg.size}x{cfg.size} digits, batch {cfg.batch_size}",
                f"saved-for-backward bytes, (a) DARTS N={n_hi} / N={n_lo}", growth,
                paper="Fig. 1 / abstract: DARTS memory grows linearly with the number of candidates",
                baseline=f"(e) single path: {mean_bytes['single'][-1] / mib:.1f} MiB")  # fmt: skip
    ctx.add_row(f"CPU-scale memory sweep, N in {ns}", "(b) Proxyless weight step / (e) same path alone (mean over N)",
                ctx.results.summary["memory.b_over_e"],
                paper="abstract: memory at the level of regular training", baseline="1.0 (single path)")  # fmt: skip
    ctx.add_row(f"CPU-scale memory sweep, N in {ns}", "(c) two-path arch step / (e)", ctx.results.summary["memory.c_over_e"],
                paper="Sec. 3.2: two paths per update", baseline="1.0")  # fmt: skip
    ctx.add_row(f"CPU-scale memory sweep, N in {ns}", "(d) full_v2 arch step / (e)", ctx.results.summary["memory.d_over_e"],
                paper="official code default", baseline="1.0")  # fmt: skip
    t_d = [1e3 * res[n]["full_v2"]["step_s"] for n in ns]
    t_a = [1e3 * res[n]["darts"]["step_s"] for n in ns]
    ctx.add_row(f"CPU-scale memory sweep, N in {ns}", f"ms/step at N={n_lo} -> N={n_hi}: (d) full_v2 vs (a) DARTS",
                f"{t_d[0]:.0f} -> {t_d[-1]:.0f}", baseline=f"DARTS {t_a[0]:.0f} -> {t_a[-1]:.0f}")  # fmt: skip
    lo, hi = cfg.single_ratio_lo, cfg.single_ratio_hi
    ctx.add_criterion(f"(i) (b)/(e) saved bytes in [{lo}, {hi}] for every N",
                      all(lo <= r <= hi for r in b_ratio), "per N: " + ", ".join(f"{r:.3f}" for r in b_ratio))  # fmt: skip
    ctx.add_criterion(f"(ii) slope of (b) vs N <= {cfg.max_slope_fraction} x slope of (a)",
                      slope_b <= cfg.max_slope_fraction * slope_a,
                      f"slope (b) {slope_b / mib:.3f} MiB/candidate vs (a) {slope_a / mib:.3f} (fraction {slope_b / slope_a:.4f})")  # fmt: skip
    ctx.add_criterion(f"(iii) (a)(N={n_hi}) / (a)(N={n_lo}) >= {cfg.min_growth}", growth >= cfg.min_growth,
                      f"{growth:.2f}")  # fmt: skip
    ctx.add_criterion(f"(iv) (c)/(e) <= {cfg.max_two_ratio} for every N", all(r <= cfg.max_two_ratio for r in c_ratio),
                      "per N: " + ", ".join(f"{r:.3f}" for r in c_ratio))  # fmt: skip
    ctx.add_criterion(f"(v) (a) linear in the candidates' summed standalone bytes, R^2 >= {cfg.min_r2}",
                      r2 >= cfg.min_r2, f"R^2 = {r2:.4f}")  # fmt: skip
    ctx.add_note(
        f"memory: device {ctx.device} (on CUDA the 'RSS' columns hold torch.cuda.max_memory_allocated increases); "
        f"gate seeds {seeds}; peak-RSS increases are reported, not asserted (allocator caching); "
        "(d) full_v2 is reported (memory of one path, time grows with N)."
    )


def draw(ctx: Context) -> None:
    from paperzoo_shared.runner import pyplot

    d = ctx.get_data("saved_bytes")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for v in VARIANTS:
        ax.plot(d["ns"], [b / 2**20 for b in d[v]], "o-", label=LABELS[v])
    ax.set_xlabel("candidates per edge N")
    ax.set_ylabel("saved for backward (MiB)")
    ax.set_title("one training step, CPU-scale super-net")
    ax.legend(fontsize=7)
    ctx.save_figure(
        fig,
        "saved_bytes",
        "Bytes saved for backward in one step vs candidates per edge N: DARTS grows linearly, ProxylessNAS stays at the single path's level",
    )
