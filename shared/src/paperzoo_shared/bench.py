"""Benchmark helpers: timing with CUDA synchronisation, peak memory, and side-by-side ratio tables."""

from __future__ import annotations

import dataclasses
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from paperzoo_shared.results import Results, environment, hardware_label, markdown_table, today


@dataclasses.dataclass
class Timing:
    """Wall-clock seconds per call over ``repeat`` timed calls (after ``warmup`` untimed ones)."""

    median: float
    min: float
    max: float
    repeat: int

    def __str__(self) -> str:
        return f"{self.median * 1e3:.3f} ms (min {self.min * 1e3:.3f}, max {self.max * 1e3:.3f}, n={self.repeat})"


def time_fn(fn: Callable[[], Any], warmup: int = 3, repeat: int = 10, device: Any = None) -> Timing:
    """Time ``fn()``: exactly ``warmup`` untimed calls, then ``repeat`` timed ones, each bracketed by a CUDA
    synchronisation whenever CUDA is in use (so queued kernels count), under the current torch thread count.

    This is what ``torch.utils.benchmark.Timer`` does for CUDA, with exact call counts: its ``timeit`` adds at
    least two untimed calls per measurement, which triples the cost of one-shot jobs (a dataset generation, a
    training run). ``device`` is accepted for symmetry with :func:`peak_memory`.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        _sync()
        t0 = time.perf_counter()
        fn()
        _sync()
        times.append(time.perf_counter() - t0)
    return Timing(median=statistics.median(times), min=min(times), max=max(times), repeat=repeat)


def _sync() -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover - timing pure numpy/scipy code
        return
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def cpu_peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def peak_memory(fn: Callable[[], Any], device: Any = None) -> dict[str, float]:
    """Run ``fn()`` once and report peak memory: CUDA bytes allocated during it (MiB) and process RSS (MiB).

    On the CPU only the process-wide peak RSS is available (it never decreases), so compare CPU memory of two
    implementations in separate processes or via their CUDA numbers.
    """
    out: dict[str, float] = {}
    cuda = False
    if device is not None:
        import torch

        dev = torch.device(device)
        if dev.type == "cuda":
            cuda = True
            torch.cuda.synchronize(dev)
            torch.cuda.reset_peak_memory_stats(dev)
            base = torch.cuda.memory_allocated(dev)
    fn()
    if cuda:
        torch.cuda.synchronize(dev)
        out["cuda_peak_mb"] = (torch.cuda.max_memory_allocated(dev) - base) / 2**20
    out["cpu_peak_rss_mb"] = cpu_peak_rss_mb()
    return out


@dataclasses.dataclass
class Comparison:
    """Side-by-side timings of several implementations of one task, as ratios to a reference."""

    task: str
    reference: str
    timings: dict[str, Timing] = dataclasses.field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def add(self, name: str, timing: Timing, **extra: Any) -> None:
        self.timings[name] = timing
        self.extra[name] = extra

    def ratio(self, name: str) -> float:
        """Time of ``name`` divided by the reference's time (below 1 means faster than the reference)."""
        return self.timings[name].median / self.timings[self.reference].median

    def rows(self) -> list[list[Any]]:
        rows = []
        for name, t in self.timings.items():
            extra = "; ".join(f"{k}={v}" for k, v in self.extra.get(name, {}).items())
            rows.append([self.task, name, f"{t.median * 1e3:.3f}", f"{self.ratio(name):.2f}x", extra or "—"])
        return rows


BENCH_COLUMNS = ["task", "implementation", "median ms", "time / reference", "notes"]


def ratio_table(comparisons: Sequence[Comparison]) -> str:
    """Markdown table of the comparisons, times as ratios to each comparison's reference."""
    return markdown_table(BENCH_COLUMNS, [r for c in comparisons for r in c.rows()])


def write_bench(
    path: str | Path,
    comparisons: Sequence[Comparison],
    name: str = "bench",
    device: Any = None,
    *,
    package: str,
    version: str,
    config: dict[str, Any] | None = None,
) -> Path:
    """Write comparisons as a benchmark results file whose table ``name`` the README renders
    (``<!-- results:begin bench -->``); the raw timings go to ``data.comparisons``."""
    hw = hardware_label(device)
    res = Results(
        package=package,
        version=version,
        kind="benchmark",
        preset=name,
        config=dict(config or {}),
        device=str(device or "cpu"),
        hardware=hw,
        versions=environment(device),
        date=today(),
    )
    res.data["comparisons"] = [
        {
            "task": c.task,
            "reference": c.reference,
            "timings": {k: dataclasses.asdict(v) for k, v in c.timings.items()},
            "ratios": {k: c.ratio(k) for k in c.timings},
        }
        for c in comparisons
    ]
    res.add_table(name, [*BENCH_COLUMNS, "hardware"], [[*r, hw] for c in comparisons for r in c.rows()])
    return res.write(path)
