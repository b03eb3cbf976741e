"""The latency model (paper Sec. 3.3, Eq. 5) and both regulariser forms of the official code.

:class:`LatencyTable` is a lookup table (LUT) keyed like the official ``latency_estimator`` (operator, input and
output shape, expansion, kernel, stride, identity skip): every distinct (block, candidate) of a super-net is timed
in isolation on the target device, plus the fixed part (stem, first block, head). A network's latency is the sum
of its entries; the expected latency ``E[LAT] = fixed + sum_e sum_j p_j^e F(o_j^e)`` is differentiable in alpha.

:class:`LatencyRegularizer` turns a cross entropy and ``E[LAT]`` into the architecture loss:

* ``"add_linear"`` (paper Eq. 5, normalised): ``CE + lam * (E[LAT] - ref) / ref`` (official ``add#linear``,
  lam = 0.1);
* ``"mul_log"`` (official default ``mul#log``): ``alpha * CE * (log E[LAT] / log ref) ** beta`` (alpha = 0.2,
  beta = 0.3).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from proxylessnas.ops import ZERO, parse_candidate

if TYPE_CHECKING:
    from proxylessnas.supernet import ProxylessSuperNet

Timer = Callable[[nn.Module, tuple[int, ...]], float]
"""``timer(module, input_shape) -> latency`` (any unit, used consistently)."""


def median_timer(n_runs: int = 50, n_warmup: int = 10) -> Timer:
    """A :data:`Timer`: median wall time in microseconds of ``n_runs`` eval-mode calls under ``inference_mode``.

    Args:
        n_runs: timed calls.
        n_warmup: untimed calls first.

    Returns:
        The timer.
    """
    if n_runs < 1 or n_warmup < 0:
        raise ValueError(f"n_runs must be >= 1 and n_warmup >= 0, got {n_runs}, {n_warmup}")

    def timer(module: nn.Module, shape: tuple[int, ...]) -> float:
        module = module.eval()
        p = next(iter(module.parameters()), None)
        x = torch.randn(*shape, device=p.device if p is not None else "cpu")
        sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
        times = []
        with torch.inference_mode():
            for _ in range(n_warmup):
                module(x)
            sync()
            for _ in range(n_runs):
                t0 = time.perf_counter_ns()
                module(x)
                sync()
                times.append((time.perf_counter_ns() - t0) / 1e3)
        return statistics.median(times)

    return timer


def entry_key(name: str, c_in: int, c_out: int, stride: int, size: int, batch_size: int, idskip: bool) -> str:
    """The table key of one candidate in one block (official ``expanded_conv-input:HxWxC-...`` pattern).

    Args:
        name: candidate name.
        c_in: input channels.
        c_out: output channels.
        stride: the block's stride.
        size: input height (= width).
        batch_size: timing batch.
        idskip: whether the block has an identity shortcut.

    Returns:
        The key.
    """
    if name == ZERO:
        return f"zero-input:{size}x{size}x{c_in}"
    k, e = parse_candidate(name)
    out = -(-size // stride)
    return (
        f"expanded_conv-input:{size}x{size}x{c_in}-output:{out}x{out}x{c_out}-expand:{e}-kernel:{k}-"
        f"stride:{stride}-idskip:{int(idskip)}-batch:{batch_size}"
    )


@dataclasses.dataclass
class LatencyTable:
    """Per-operator latencies (``unit``, microseconds by default) with where they were measured.

    Args:
        entries: key -> latency.
        batch_size: batch of the timing input.
        device: where it was measured.
        unit: the unit of the entries.
    """

    entries: dict[str, float]
    batch_size: int = 1
    device: str = "cpu"
    unit: str = "us"

    def _get(self, key: str) -> float:
        if key.startswith("zero-"):
            return 0.0
        if key not in self.entries:
            raise KeyError(
                f"no latency for {key!r}: the table was measured for another space, input size or batch size"
            )
        return float(self.entries[key])

    @staticmethod
    def fixed_key(net: ProxylessSuperNet, input_size: int, batch_size: int) -> str:
        """The key of ``net``'s fixed part (stem, first block, head).

        Args:
            net: the super-net.
            input_size: input height.
            batch_size: timing batch.

        Returns:
            The key.
        """
        c_in = net.in_channels
        return f"fixed-input:{input_size}x{input_size}x{c_in}-blocks:{len(net.edges)}-batch:{batch_size}"

    def edge_latencies(self, net: ProxylessSuperNet, index: int, input_size: int) -> list[float]:
        """Latency of every candidate of edge ``index`` (zero: 0); ``KeyError`` naming a missing entry.

        Args:
            net: the super-net.
            index: the edge.
            input_size: input height.

        Returns:
            One latency per candidate.
        """
        size = net.block_input_sizes(input_size)[index]
        c_in, c_out, s = net.block_specs[index]
        res = net.residual[index]
        return [
            self._get(entry_key(n, c_in, c_out, s, size, self.batch_size, res))
            for n in net.edges[index].names
        ]

    def fixed_latency(self, net: ProxylessSuperNet, input_size: int) -> float:
        """Latency of the fixed part of ``net``.

        Args:
            net: the super-net.
            input_size: input height.

        Returns:
            The latency.
        """
        return self._get(self.fixed_key(net, input_size, self.batch_size))

    def predict(self, net: ProxylessSuperNet, architecture: Sequence[str], input_size: int) -> float:
        """LUT latency of an architecture: fixed part + sum of its entries.

        Args:
            net: the super-net.
            architecture: one candidate name per edge.
            input_size: input height.

        Returns:
            The latency.
        """
        if len(architecture) != len(net.edges):
            raise ValueError(f"architecture needs {len(net.edges)} entries, got {len(architecture)}")
        total = self.fixed_latency(net, input_size)
        for i, name in enumerate(architecture):
            names = net.edges[i].names
            if name not in names:
                raise ValueError(f"edge {i} has no candidate {name!r} (it has {names})")
            total += self.edge_latencies(net, i, input_size)[names.index(name)]
        return total

    @classmethod
    def measure(
        cls,
        net: ProxylessSuperNet,
        input_size: int,
        *,
        timer: Timer | None = None,
        batch_size: int = 1,
        device: str | torch.device = "cpu",
        repeats: int = 1,
        unit: str = "us",
    ) -> LatencyTable:
        """Time every distinct (block, candidate) of ``net`` and its fixed part on ``device``.

        Args:
            net: the super-net (its modules are copied to ``device``, the net itself is not moved).
            input_size: input height (= width).
            timer: ``timer(module, shape)``; default :func:`median_timer` (microseconds).
            batch_size: timing batch (1 on CPU, as for a phone; larger on GPU).
            device: target device.
            repeats: rounds over all entries (interleaved); an entry is the median of its rounds.
            unit: the unit ``timer`` returns.

        Returns:
            The table.
        """
        import copy

        if repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {repeats}")
        timer = timer or median_timer()
        dev = torch.device(device)
        jobs: dict[str, tuple[nn.Module, tuple[int, ...]]] = {}
        sizes = net.block_input_sizes(input_size)
        for i, e in enumerate(net.edges):
            c_in, c_out, s = net.block_specs[i]
            for name, op in zip(e.names, e.ops, strict=True):
                k = entry_key(name, c_in, c_out, s, sizes[i], batch_size, net.residual[i])
                if name != ZERO and k not in jobs:
                    jobs[k] = (copy.deepcopy(op).to(dev), (batch_size, c_in, sizes[i], sizes[i]))
        fixed = _Fixed(net, input_size).to(dev)
        jobs[cls.fixed_key(net, input_size, batch_size)] = (
            fixed,
            (batch_size, net.in_channels, input_size, input_size),
        )
        rounds: dict[str, list[float]] = {k: [] for k in jobs}
        for _ in range(repeats):
            for k, (m, shape) in jobs.items():
                rounds[k].append(float(timer(m, shape)))
        return cls({k: statistics.median(v) for k, v in rounds.items()}, batch_size, str(dev), unit)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        """Write as JSON atomically (temporary file renamed over ``path``).

        Args:
            path: the file.
        """
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
    def load(cls, path: str | Path) -> LatencyTable:
        """Read a table written by :meth:`save`.

        Args:
            path: the file.

        Returns:
            The table.
        """
        try:
            data = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{str(path)!r} is not a latency table JSON file ({exc})") from exc
        return cls(**data)


class _Fixed(nn.Module):
    """The fixed part of a super-net: stem + first block, and the head on a zero feature map of the last size."""

    def __init__(self, net: ProxylessSuperNet, input_size: int) -> None:
        super().__init__()
        import copy

        self.stem, self.first, self.head = (copy.deepcopy(m) for m in (net.stem, net.first, net.head))
        last = net.block_input_sizes(input_size)[-1]
        self.size = -(-last // net.block_specs[-1][2])
        self.c = net.block_specs[-1][1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.first(self.stem(x))
        return self.head(x.new_zeros(x.shape[0], self.c, self.size, self.size))


KINDS = ("add_linear", "mul_log")


class LatencyRegularizer(nn.Module):
    """The architecture loss from a task loss and the expected latency.

    Args:
        kind: ``"add_linear"`` (paper Eq. 5: ``CE + lam (E[LAT] - ref) / ref``) or ``"mul_log"`` (official default:
            ``alpha CE (log E[LAT] / log ref) ** beta``).
        alpha: scale of ``mul_log`` (official 0.2).
        beta: exponent of ``mul_log`` (official 0.3; 0 ignores latency).
        lam: weight of ``add_linear`` (official 0.1; 0 ignores latency).
        ref: the reference latency (official 80 ms, mobile); ``mul_log`` needs ``ref > 1`` in the table's unit.
    """

    def __init__(
        self,
        kind: str = "add_linear",
        *,
        alpha: float = 0.2,
        beta: float = 0.3,
        lam: float = 0.1,
        ref: float,
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        for n, v in (("alpha", alpha), ("beta", beta), ("lam", lam), ("ref", ref)):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ValueError(f"{n} must be a finite number, got {v!r}")
        if beta < 0 or lam < 0 or alpha <= 0:
            raise ValueError(f"need alpha > 0, beta >= 0, lam >= 0, got {alpha}, {beta}, {lam}")
        if ref <= 0 or (kind == "mul_log" and ref <= 1):
            raise ValueError(
                f"ref must be > 0 (and > 1 for mul_log, whose log(ref) must be positive), got {ref}: "
                "express latencies in a unit where they exceed 1 (e.g. microseconds or milliseconds)"
            )
        self.kind, self.alpha, self.beta, self.lam, self.ref = kind, alpha, beta, lam, float(ref)

    def forward(self, ce: torch.Tensor, expected_latency: torch.Tensor) -> torch.Tensor:
        """The architecture loss.

        Args:
            ce: the task loss (0-dim).
            expected_latency: ``E[LAT]`` (0-dim, differentiable in alpha).

        Returns:
            The loss (0-dim).
        """
        lat = expected_latency.to(ce.dtype)
        value = float(lat.detach())  # one host read per loss: the checks below need the number
        if not math.isfinite(value):
            raise ValueError(f"expected latency must be finite, got {value}")
        if self.kind == "add_linear":
            return ce + self.lam * (lat - self.ref) / self.ref
        if value <= 1:
            raise ValueError(
                f"mul_log needs E[LAT] > 1 (log must be positive), got {value}: use a unit where "
                "latencies exceed 1 (microseconds, milliseconds)"
            )
        return self.alpha * ce * (torch.log(lat) / math.log(self.ref)) ** self.beta

    def extra_repr(self) -> str:
        if self.kind == "add_linear":
            return f"kind='add_linear', lam={self.lam}, ref={self.ref}"
        return f"kind='mul_log', alpha={self.alpha}, beta={self.beta}, ref={self.ref}"
