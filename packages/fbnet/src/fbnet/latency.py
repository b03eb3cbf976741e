"""The latency lookup table (paper Sec. 3.2): each (layer, candidate) timed in isolation on the target device.

Operators are assumed independent, so a network's latency is the sum of its entries (plus the fixed stem and
head), which makes the expected latency differentiable through the Gumbel mask (Eq. 6-7).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fbnet.blocks import make_block
from fbnet.space import FBNetSpace, LayerSpec, check_ops


@dataclasses.dataclass(frozen=True)
class LatencyStats:
    """Median, 10th and 90th percentile of timed runs, in microseconds."""

    median: float
    p10: float
    p90: float


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_latency(
    fn: Callable[[torch.Tensor], Any] | nn.Module,
    input_shape: Sequence[int],
    *,
    device: str | torch.device = "cpu",
    n_runs: int = 50,
    n_warmup: int = 10,
) -> LatencyStats:
    """Time ``fn(x)`` for ``x ~ randn(input_shape)`` under ``inference_mode`` (eval mode for modules).

    Args:
        fn: a module or callable.
        input_shape: the input's shape, batch included.
        device: where to run (CUDA runs are synchronised around each call).
        n_runs: timed runs (>= 1).
        n_warmup: untimed runs first (>= 0).

    Returns:
        :class:`LatencyStats` in microseconds.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a module or a callable, got {type(fn).__name__}")
    if n_runs < 1 or n_warmup < 0:
        raise ValueError(f"n_runs must be >= 1 and n_warmup >= 0, got {n_runs}, {n_warmup}")
    dev = torch.device(device)
    if isinstance(fn, nn.Module):
        fn = fn.to(dev).eval()
    x = torch.randn(*input_shape, device=dev)
    times = []
    with torch.inference_mode():
        for _ in range(n_warmup):
            fn(x)
        _sync(dev)
        for _ in range(n_runs):
            t0 = time.perf_counter_ns()
            fn(x)
            _sync(dev)
            times.append((time.perf_counter_ns() - t0) / 1e3)
    q = statistics.quantiles(times, n=10) if len(times) > 1 else [times[0]] * 9
    return LatencyStats(statistics.median(times), q[0], q[-1])


def entry_key(op: str, layer: LayerSpec, batch_size: int, pw_when_e1: bool = False) -> str:
    """The table key of candidate ``op`` in ``layer`` (identical shapes share one entry)."""
    return f"{op}|cin{layer.c_in}|cout{layer.c_out}|s{layer.stride}|hw{layer.in_size}|b{batch_size}|pw{int(pw_when_e1)}"


def fixed_key(space: FBNetSpace, batch_size: int) -> str:
    """The table key of the fixed stem + head of ``space``."""
    return f"stem_head|in{space.in_ch}|stem{space.stem}|head{space.head}|hw{space.input_size}|b{batch_size}"


@dataclasses.dataclass
class LatencyTable:
    """Per-operator latencies in microseconds with the device and versions they were measured with."""

    entries: dict[str, LatencyStats]
    device: str = "cpu"
    batch_size: int = 1
    num_threads: int | None = None
    torch_version: str = torch.__version__
    dtype: str = "float32"
    unit: str = "us"
    machine: str = dataclasses.field(default_factory=platform.processor)

    @classmethod
    def measure(
        cls,
        space: FBNetSpace,
        *,
        device: str | torch.device = "cpu",
        batch_size: int = 1,
        n_runs: int = 50,
        n_warmup: int = 10,
        num_threads: int | None = None,
        repeats: int = 1,
    ) -> LatencyTable:
        """Time every distinct (layer shape, candidate) of ``space`` and the fixed stem + head.

        Args:
            space: the search space.
            device: target device.
            batch_size: batch of the timing input (1 on CPU; larger on GPU, where batch 1 is launch-bound).
            n_runs: timed runs per entry.
            n_warmup: untimed runs per entry.
            num_threads: ``torch.set_num_threads`` during the measurement (restored after); None keeps it.
            repeats: rounds over all entries (interleaved); the entry is the median of the round medians.

        Returns:
            The table.
        """
        if repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {repeats}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        old = torch.get_num_threads()
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        try:
            jobs: dict[str, tuple[nn.Module, tuple[int, ...]]] = {}
            for L in space.layers():
                for op in space.candidates:
                    k = entry_key(op, L, batch_size, space.pw_when_e1)
                    if k not in jobs:
                        jobs[k] = (make_block(op, L.c_in, L.c_out, L.stride, pw_when_e1=space.pw_when_e1),
                                   (batch_size, L.c_in, L.in_size, L.in_size))  # fmt: skip
            jobs[fixed_key(space, batch_size)] = (
                _StemHead(space),
                (batch_size, space.in_ch, space.input_size, space.input_size),
            )
            rounds: dict[str, list[LatencyStats]] = {k: [] for k in jobs}
            for _ in range(repeats):
                for k, (m, shape) in jobs.items():
                    rounds[k].append(
                        measure_latency(m, shape, device=device, n_runs=n_runs, n_warmup=n_warmup)
                    )
        finally:
            torch.set_num_threads(old)
        entries = {
            k: LatencyStats(*(statistics.median(getattr(s, f) for s in v) for f in ("median", "p10", "p90")))
            for k, v in rounds.items()
        }
        return cls(entries, device=str(torch.device(device)), batch_size=batch_size, num_threads=num_threads)

    def lookup(self, space: FBNetSpace, layer: int, op: str) -> float:
        """Median latency (us) of ``op`` in TBS layer ``layer`` of ``space``; ``KeyError`` naming it if missing."""
        layers = space.layers()
        if not 0 <= layer < len(layers):
            raise IndexError(f"layer must be in [0, {len(layers)}), got {layer}")
        L = layers[layer]
        k = entry_key(op, L, self.batch_size, space.pw_when_e1)
        if k not in self.entries:
            raise KeyError(
                f"no latency for layer {layer} op {op!r} (key {k}): the table was measured for another space or input size"
            )
        return self.entries[k].median

    def fixed(self, space: FBNetSpace) -> float:
        """Latency (us) of the fixed stem + head."""
        k = fixed_key(space, self.batch_size)
        if k not in self.entries:
            raise KeyError(
                f"no latency for the stem/head (key {k}): the table was measured for another space"
            )
        return self.entries[k].median

    def matrix(self, space: FBNetSpace) -> torch.Tensor:
        """``(n_layers, n_candidates)`` float64 tensor of the medians."""
        return torch.tensor(
            [[self.lookup(space, i, op) for op in space.candidates] for i in range(space.n_layers)],
            dtype=torch.float64,
        )

    def predict(self, space: FBNetSpace, ops: Sequence[str]) -> float:
        """LUT latency (us) of an architecture: fixed part plus the sum of its entries."""
        ops = check_ops(space, ops)
        return self.fixed(space) + sum(self.lookup(space, i, o) for i, o in enumerate(ops))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        meta = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "entries"}
        return {**meta, "entries": {k: dataclasses.asdict(v) for k, v in self.entries.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatencyTable:
        """The table of a :meth:`to_dict` dict (e.g. the ``lut`` a results file of ``fbnet-reproduce`` records)."""
        if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
            raise ValueError(
                "a latency table dict needs an 'entries' mapping (as written by LatencyTable.to_dict)"
            )
        data = dict(data)
        entries = {k: LatencyStats(**v) for k, v in data.pop("entries").items()}
        return cls(entries, **data)

    def save(self, path: str | Path) -> None:
        """Write as JSON atomically."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(self.to_dict(), f, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | Path, *, target_device: str | None = None) -> LatencyTable:
        """Read a table written by :meth:`save`; warns when ``target_device`` differs from the table's device."""
        text = Path(path).read_text()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{str(path)!r} is not a latency table JSON file ({exc})") from exc
        table = cls.from_dict(data)
        if target_device is not None and torch.device(target_device).type != torch.device(table.device).type:
            warnings.warn(
                f"latency table measured on {table.device}, searching for {target_device}", stacklevel=2
            )
        return table


class _StemHead(nn.Module):
    def __init__(self, space: FBNetSpace) -> None:
        super().__init__()
        self.stem, self.head = space.make_stem(), space.make_head()
        c_last, out = space.stages[-1].c_out, space.layers()[-1]
        self.size = -(-out.in_size // out.stride)
        self.c_last = c_last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.stem(x)
        return self.head(x.new_zeros(x.shape[0], self.c_last, self.size, self.size))
