"""The chain super-net of MBConv mixed edges (official ``search/models/super_nets/super_proxyless.py``).

First conv (``stem`` channels, stride ``stem_stride``, BN + ReLU6), an optional fixed ``3x3_MBConv1`` block
(``first_block`` channels), then ``stages`` of searchable blocks: each block's edge is a :class:`BinaryMixedOp` over
the candidates, plus ``zero`` when the block has an identity shortcut (stride 1 and ``c_in == c_out``); the
shortcut lives outside the edge, so ``zero`` skips the block. Then an optional 1x1 feature-mix conv (``head``
channels), global average pooling and a linear classifier.

Parameters split into the architecture alpha (:meth:`ProxylessSuperNet.arch_parameters`) and the weights
(:meth:`ProxylessSuperNet.weight_parameters`), as darts-core's ``Architect`` expects.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from typing import cast

import torch
from torch import nn

from proxylessnas.latency import LatencyTable
from proxylessnas.mixed import STAGES, BinaryMixedOp
from proxylessnas.ops import OFFICIAL_CANDIDATES, ZERO, MBConv, check_bn, make_candidate


def _conv_bn(c_in: int, c_out: int, stride: int, bn: dict[str, float]) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
        nn.BatchNorm2d(c_out, momentum=bn["bn_momentum"], eps=bn["bn_eps"]),
        nn.ReLU6(inplace=True),
    )


def check_image(x: torch.Tensor, weight: torch.Tensor) -> None:
    """``x`` must be a ``(N, C, H, W)`` tensor with the channels, device and dtype of the first conv's ``weight``
    (``TypeError`` for a non-tensor or another dtype, ``ValueError`` otherwise); no host-device sync."""
    c = weight.shape[1]
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of shape (N, {c}, H, W), got {type(x).__name__}")
    if x.dim() != 4 or x.shape[1] != c:
        raise ValueError(f"x must have shape (N, {c}, H, W) (in_channels={c}), got {tuple(x.shape)}")
    if x.device != weight.device:
        raise ValueError(
            f"x is on device {x.device} but the model is on {weight.device}; use x.to({str(weight.device)!r})"
        )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"x dtype {x.dtype} differs from the model's {weight.dtype}; convert with x.to({weight.dtype})"
        )


def check_labels(y: torch.Tensor, name: str, num_classes: int) -> bool:
    """``ValueError`` naming ``name`` when integer labels ``y`` fall outside ``[0, num_classes)``; True."""
    if not y.is_floating_point() and y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        bad = int(y.min()) if int(y.min()) < 0 else int(y.max())
        raise ValueError(f"{name} holds class labels outside [0, {num_classes}) (num_classes): found {bad}")
    return True


class _Head(nn.Module):
    def __init__(self, c_in: int, head: int | None, num_classes: int, bn: dict[str, float]) -> None:
        super().__init__()
        self.mix: nn.Module = nn.Identity()
        if head is not None:
            self.mix = nn.Sequential(
                nn.Conv2d(c_in, head, 1, bias=False),
                nn.BatchNorm2d(head, momentum=bn["bn_momentum"], eps=bn["bn_eps"]),
                nn.ReLU6(inplace=True),
            )
            c_in = head
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.mix(x).mean((2, 3)))


class EdgeList(nn.ModuleList):
    """A ``ModuleList`` of :class:`BinaryMixedOp` (typed iteration and indexing)."""

    def __iter__(self) -> Iterator[BinaryMixedOp]:
        return cast(Iterator[BinaryMixedOp], super().__iter__())

    def __getitem__(self, idx: int) -> BinaryMixedOp:  # type: ignore[override]
        return cast(BinaryMixedOp, super().__getitem__(idx))


class ProxylessSuperNet(nn.Module):
    """ProxylessNAS chain super-net with binarised mixed edges.

    Args:
        stages: ``(width, n_blocks, stride)`` per stage (the first block of a stage has the stride).
        candidates: MBConv candidate names (``k{k}_e{e}``), in order; official: k in {3,5,7} x e in {3,6}.
        in_channels: image channels.
        num_classes: classifier outputs.
        stem: channels of the first conv.
        stem_stride: its stride (official 2).
        first_block: channels of the fixed ``3x3_MBConv1`` block after the stem (None: no such block).
        head: channels of the 1x1 feature-mix conv (official 1280; None: none).
        zero_op: add the ``zero`` candidate to every block with an identity shortcut.
        mode: gate-gradient mode of every edge (``"two"``, ``"full"``, ``"full_v2"``).
        bn_momentum: BatchNorm momentum (official 0.1).
        bn_eps: BatchNorm eps (official 1e-3).
    """

    def __init__(
        self,
        *,
        stages: Sequence[tuple[int, int, int]],
        candidates: Sequence[str] = OFFICIAL_CANDIDATES,
        in_channels: int = 3,
        num_classes: int = 1000,
        stem: int = 32,
        stem_stride: int = 2,
        first_block: int | None = 16,
        head: int | None = 1280,
        zero_op: bool = True,
        mode: str = "two",
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-3,
    ) -> None:
        super().__init__()
        cands = tuple(candidates)
        if not cands or ZERO in cands:
            raise ValueError(
                f"candidates must be a non-empty list of MBConv names (zero is added by zero_op), got {cands}"
            )
        if not stages:
            raise ValueError("stages must hold at least one (width, n_blocks, stride)")
        for name, val in (("in_channels", in_channels), ("num_classes", num_classes), ("stem", stem),
                          ("first_block", first_block), ("head", head)):  # fmt: skip
            if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < 1):
                raise ValueError(f"{name} must be an int >= 1, got {val!r}")
        if stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {stem_stride!r}")
        check_bn(bn_momentum, bn_eps)
        bn = {"bn_momentum": bn_momentum, "bn_eps": bn_eps}
        self.candidates, self.mode, self.zero_op = cands, mode, bool(zero_op)
        self.in_channels, self.stem_stride = in_channels, int(stem_stride)
        self.stem = _conv_bn(in_channels, stem, stem_stride, bn)
        c = stem
        self.first: nn.Module = nn.Identity()
        if first_block is not None:
            self.first = MBConv(stem, first_block, kernel=3, expand=1, stride=1, **bn)
            c = first_block
        self.block_specs: list[tuple[int, int, int]] = []
        for i, st in enumerate(stages):
            if len(st) != 3:
                raise ValueError(f"stages[{i}] must be (width, n_blocks, stride), got {st!r}")
            width, n, stride = (int(v) for v in st)
            if width < 1 or n < 1 or stride not in (1, 2):
                raise ValueError(f"stages[{i}] = {st!r}: width and n_blocks must be >= 1, stride 1 or 2")
            for j in range(n):
                self.block_specs.append((c, width, stride if j == 0 else 1))
                c = width
        edges, self.residual = [], []
        for c_in, c_out, s in self.block_specs:
            names = list(cands)
            identity = s == 1 and c_in == c_out
            if identity and zero_op:
                names.append(ZERO)
            ops = [make_candidate(nm, c_in, c_out, s, **bn) for nm in names]
            edges.append(BinaryMixedOp(ops, names=names, mode=mode))
            self.residual.append(identity)
        self.edges = EdgeList(edges)
        self.head = _Head(c, head, num_classes, bn)

    @classmethod
    def imagenet(cls, *, num_classes: int = 1000, mode: str = "two", **kw: object) -> ProxylessSuperNet:
        """The official ImageNet (mobile) super-net: widths 24,40,80,96,192,320 x 4,4,4,4,4,1 blocks.

        Args:
            num_classes: classifier outputs.
            mode: gate-gradient mode.
            **kw: other :class:`ProxylessSuperNet` arguments.

        Returns:
            The super-net.
        """
        stages = list(zip((24, 40, 80, 96, 192, 320), (4, 4, 4, 4, 4, 1), (2, 2, 2, 1, 2, 1), strict=True))
        return cls(stages=stages, num_classes=num_classes, mode=mode, **kw)  # type: ignore[arg-type]

    @classmethod
    def tiny(
        cls,
        candidates: Sequence[str] = OFFICIAL_CANDIDATES,
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        mode: str = "two",
        zero_op: bool = True,
    ) -> ProxylessSuperNet:
        """The CPU-scale super-net of the reproduction: stem conv 16 (stride 1), 6 searchable blocks of widths
        16, 24, 24, 32, 32, 64 and strides 1, 2, 1, 2, 1, 1, global pooling, linear classifier.

        Args:
            candidates: MBConv candidate names.
            in_channels: image channels.
            num_classes: classifier outputs.
            mode: gate-gradient mode.
            zero_op: add ``zero`` where a block has an identity shortcut.

        Returns:
            The super-net.
        """
        stages = [(16, 1, 1), (24, 2, 2), (32, 2, 2), (64, 1, 1)]
        return cls(
            stages=stages,
            candidates=candidates,
            in_channels=in_channels,
            num_classes=num_classes,
            stem=16,
            stem_stride=1,
            first_block=None,
            head=None,
            zero_op=zero_op,
            mode=mode,
        )

    # ------------------------------------------------------------------ forward and stages
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image(x, cast(nn.Conv2d, self.stem[0]).weight)
        x = self.first(self.stem(x))
        for edge, res in zip(self.edges, self.residual, strict=True):
            if res and edge.stage in ("weights", "argmax") and edge.names[_chosen(edge)] == ZERO:
                continue  # zero op: the block is its shortcut
            y = edge(x)
            x = x + y if res else y
        return self.head(x)

    def set_stage(self, stage: str) -> None:
        """Set every edge's stage (see :mod:`proxylessnas.mixed`).

        Args:
            stage: ``weights``, ``arch``, ``darts`` or ``argmax``.
        """
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
        for e in self.edges:
            e.stage = stage

    @contextlib.contextmanager
    def stage(self, stage: str) -> Iterator[ProxylessSuperNet]:
        """Context manager: run with every edge in ``stage``, restore the previous stages after.

        Args:
            stage: ``weights``, ``arch``, ``darts`` or ``argmax``.
        """
        old = [e.stage for e in self.edges]
        self.set_stage(stage)
        try:
            yield self
        finally:
            for e, s in zip(self.edges, old, strict=True):
                e.stage = s

    def sample_gates(self, generator: torch.Generator | None = None) -> list[int]:
        """Sample every edge's binary gates; under ``torch.distributed`` rank 0's choice is broadcast so that
        every rank runs the same paths (DDP-safe: the same parameters take part on every rank).

        Args:
            generator: CPU generator of the samples (None: torch's global one).

        Returns:
            The active index of every edge.
        """
        choices = [e.sample(generator) for e in self.edges]
        if _distributed():
            t = torch.tensor([[e.active_index, *(e.pair or (-1, -1))] for e in self.edges], dtype=torch.long)
            if torch.distributed.get_backend() == "nccl":
                t = t.cuda()
            torch.distributed.broadcast(t, 0)
            for e, row in zip(self.edges, t.cpu().tolist(), strict=True):
                e.active_index = row[0]
                e.pair = (row[1], row[2]) if row[1] >= 0 else None
            choices = [e.active_index for e in self.edges]
        return choices

    def set_gates(self, choices: Sequence[int | str]) -> None:
        """Set every edge's active path by index or name.

        Args:
            choices: one index or candidate name per edge.
        """
        if len(choices) != len(self.edges):
            raise ValueError(f"choices needs one entry per edge ({len(self.edges)}), got {len(choices)}")
        for i, (e, c) in enumerate(zip(self.edges, choices, strict=True)):
            if isinstance(c, str):
                if c not in e.names:
                    raise ValueError(f"edge {i} has no candidate {c!r} (it has {e.names})")
                c = e.names.index(c)
            e.set_active(int(c))

    # ------------------------------------------------------------------ parameters
    def arch_parameters(self) -> list[nn.Parameter]:
        """The alpha of every edge (one (N_e,) tensor per edge)."""
        return [e.alpha for e in self.edges]

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        """Every parameter except alpha, with its name."""
        for n, p in self.named_parameters():
            if not n.endswith(".alpha"):
                yield n, p

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter except alpha."""
        return [p for _, p in self.named_weight_parameters()]

    def active_weight_parameters(self) -> list[nn.Parameter]:
        """The weights a weight step can touch: shared modules and the active candidate of every edge."""
        out = [p for m in (self.stem, self.first, self.head) for p in m.parameters()]
        for e in self.edges:
            out += list(e.ops[e.active_index].parameters())
        return out

    def arch_weights(self) -> dict[str, torch.Tensor]:
        """``softmax(alpha)`` per edge (keys ``edge0``, ``edge1``, ...)."""
        return {f"edge{i}": e.probs().detach() for i, e in enumerate(self.edges)}

    def genotype(self, rule: object = None) -> tuple[str, ...]:
        """The derived architecture: the argmax candidate of every edge.

        Args:
            rule: None / ``"argmax"`` (official: zero allowed) or ``"no_zero"`` (zero excluded, the DARTS rule).

        Returns:
            One candidate name per edge.
        """
        out = []
        for e in self.edges:
            a = e.alpha.detach().clone()
            if rule == "no_zero" and ZERO in e.names:
                a[e.names.index(ZERO)] = -float("inf")
            elif rule not in (None, "argmax", "no_zero"):
                raise ValueError(f"rule must be None/'argmax' or 'no_zero', got {rule!r}")
            out.append(e.names[int(a.argmax())])
        return tuple(out)

    def active_architecture(self) -> list[str]:
        """The currently sampled candidate of every edge."""
        return [e.names[e.active_index] for e in self.edges]

    # ------------------------------------------------------------------ latency and derivation
    def expected_latency(self, lut: LatencyTable, input_size: int) -> torch.Tensor:
        """``E[LAT] = fixed + sum_e sum_j p_j^e F(o_j^e)`` (paper Eq. 5's latency term), differentiable in alpha.

        Args:
            lut: the latency table (must hold every block/candidate of this net at ``input_size``).
            input_size: the input's height (= width).

        Returns:
            A 0-dim tensor (the table's unit) on alpha's device.
        """
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ValueError(f"input_size must be an int >= 1, got {input_size!r}")
        total = torch.zeros((), device=self.edges[0].alpha.device)
        for i, e in enumerate(self.edges):
            lat = torch.tensor(lut.edge_latencies(self, i, input_size), device=total.device)
            total = total + (e.probs() * lat).sum()
        return total + lut.fixed_latency(self, input_size)

    def block_input_sizes(self, input_size: int) -> list[int]:
        """Spatial size at the input of every searchable block.

        Args:
            input_size: the input's height (= width).

        Returns:
            One size per block.
        """
        s = -(-input_size // self.stem_stride)
        sizes = []
        for _, _, stride in self.block_specs:
            sizes.append(s)
            s = -(-s // stride)
        return sizes

    def derive(self, choices: Sequence[str] | None = None) -> DerivedNet:
        """A plain network with the chosen candidate per edge, weights copied.

        Args:
            choices: one candidate name per edge (None: :meth:`genotype`).

        Returns:
            The :class:`DerivedNet`.
        """
        ch: tuple[str, ...] = tuple(self.genotype() if choices is None else choices)
        if len(ch) != len(self.edges):
            raise ValueError(f"choices needs one entry per edge ({len(self.edges)}), got {len(ch)}")
        blocks: list[nn.Module | None] = []
        for i, (e, c) in enumerate(zip(self.edges, ch, strict=True)):
            if c not in e.names:
                raise ValueError(f"edge {i} has no candidate {c!r} (it has {e.names})")
            blocks.append(None if c == ZERO else copy.deepcopy(e.ops[e.names.index(c)]))
        return DerivedNet(
            copy.deepcopy(self.stem), copy.deepcopy(self.first), blocks, list(self.residual),
            copy.deepcopy(self.head), ch,
        )  # fmt: skip


def _chosen(edge: BinaryMixedOp) -> int:
    return int(edge.alpha.argmax()) if edge.stage == "argmax" else edge.active_index


def _distributed() -> bool:
    return (
        torch.distributed.is_available()
        and torch.distributed.is_initialized()
        and torch.distributed.get_world_size() > 1
    )


class DerivedNet(nn.Module):
    """The single-path network of a chosen architecture (``None`` block = zero op: the block is skipped).

    Args:
        stem: the first conv.
        first: the fixed first block (or Identity).
        blocks: one module (or None for zero) per searchable block.
        residual: whether each block has an identity shortcut.
        head: feature mix, pooling and classifier.
        architecture: the candidate names (for ``repr``).
    """

    def __init__(
        self,
        stem: nn.Module,
        first: nn.Module,
        blocks: Sequence[nn.Module | None],
        residual: Sequence[bool],
        head: nn.Module,
        architecture: Sequence[str],
    ) -> None:
        super().__init__()
        self.stem, self.first, self.head = stem, first, head
        self.blocks = nn.ModuleList([nn.Identity() if b is None else b for b in blocks])
        self.skip = [b is None for b in blocks]
        self.residual = list(residual)
        self.architecture = tuple(architecture)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = next(self.stem.parameters(), None)
        if w is not None and w.dim() == 4:
            check_image(x, w)
        x = self.first(self.stem(x))
        for b, skip, res in zip(self.blocks, self.skip, self.residual, strict=True):
            if skip:
                continue
            y = b(x)
            x = x + y if res else y
        return self.head(x)

    def extra_repr(self) -> str:
        return f"architecture={self.architecture}"
