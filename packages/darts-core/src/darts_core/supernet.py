"""The DARTS supernet: search cells of mixed ops, stacked into a network, with architecture parameters α.

Two macro skeletons, chosen by the space's number of cell inputs:

* ``n_inputs=2`` (DARTS, Sec. 3.1): stem Conv3x3(in -> stem_multiplier*C)+BN, ``layers`` cells, reduction
  cells (stride 2 on the edges from the inputs, channels doubled) at ``reductions`` (default ``layers//3`` and
  ``2*layers//3``), each cell reading the outputs of the two previous cells; GAP + Linear.
  α = ``{"normal": (14, 8), "reduce": (14, 8)}`` shared by all cells of a type.
* ``n_inputs=1`` (NAS-Bench-201): stem Conv3x3(in -> C)+BN, ``layers`` cells with a stride-2 ResNet basic block
  (channels doubled) before each index in ``reductions``, then BN-ReLU, GAP, Linear. α = ``{"normal": (E, K)}``.

Architecture parameters live in ``model.alphas`` (a ``ParameterDict``) and are returned by
:meth:`Supernet.arch_parameters`; :meth:`Supernet.weight_parameters` returns everything else, so the two
optimisers never share a tensor. ``forward(x, weights=...)`` accepts explicit operation weights (for
perturbation-based selection, probing, progressive discretisation); ``weight_transform`` maps α to weights
(default softmax over ops, Eq. 2) and is the hook for Gumbel/sampled relaxations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from darts_core.genotype import Genotype, SelectionRule, derive_genotype
from darts_core.mixed import MixedOp, Weighting, weighted_sum
from darts_core.ops import PARAMETER_FREE, FactorizedReduce, ReLUConvBN, ResNetBasicBlock
from darts_core.spaces import CellSpace

WeightTransform = Callable[[torch.Tensor], torch.Tensor]


def softmax_weights(alpha: torch.Tensor) -> torch.Tensor:
    """DARTS Eq. 2: per-edge softmax over candidate ops."""
    return torch.softmax(alpha, dim=-1)


def default_reductions(space: CellSpace, layers: int) -> tuple[int, ...]:
    """Cell indices where the resolution halves: ``(layers//3, 2*layers//3)`` (none for < 3 one-input cells)."""
    if space.n_inputs == 1 and layers < 3:
        return ()
    return (layers // 3, 2 * layers // 3)


def _check_reductions(space: CellSpace, layers: int, reductions: Sequence[int] | None) -> tuple[int, ...]:
    if not isinstance(layers, int) or layers < 1:
        raise ValueError(f"layers must be a positive int, got {layers!r}")
    if reductions is None:
        if space.n_inputs == 2 and layers < 3:
            raise ValueError(
                f"layers must be >= 3 in a two-input (DARTS) space to fit 2 reduction cells, got {layers}"
            )
        reductions = default_reductions(space, layers)
    red = tuple(sorted({int(r) for r in reductions}))
    if any(not 0 <= r < layers for r in red):
        raise ValueError(f"reductions must be cell indices in [0, {layers - 1}], got {tuple(reductions)}")
    if space.n_inputs == 1 and 0 in red:
        raise ValueError("reductions: a one-input (NB201) network cannot reduce before cell 0")
    return red


class SearchCell(nn.Module):
    """A search cell: every edge of the space is a :class:`MixedOp` (DARTS Eq. 1-2)."""

    def __init__(
        self,
        space: CellSpace,
        C_pp: int | None,
        C_p: int,
        C: int,
        *,
        reduction: bool = False,
        reduction_prev: bool = False,
        weighting: Weighting = weighted_sum,
    ) -> None:
        super().__init__()
        self.space, self.reduction = space, bool(reduction)
        self.preprocess = nn.ModuleList(_preprocess(space, C_pp, C_p, C, reduction_prev, affine=False))
        self.edges = nn.ModuleList()
        for j, _ in space.edges:
            stride = 2 if self.reduction and j < space.n_inputs else 1
            self.edges.append(
                MixedOp(C, stride, space.primitives, pool_bn=space.pool_bn, weighting=weighting)
            )

    def forward(self, inputs: Sequence[torch.Tensor], weights: torch.Tensor) -> torch.Tensor:
        states = [pre(s) for pre, s in zip(self.preprocess, inputs, strict=True)]
        e = 0
        for i in range(self.space.n_nodes):
            n_in = self.space.n_inputs + i
            s = self.edges[e](states[0], weights[e])
            for j in range(1, n_in):
                s = s + self.edges[e + j](states[j], weights[e + j])
            e += n_in
            states.append(s)
        return _concat(states, self.space.concat)

    def extra_repr(self) -> str:
        return f"space={self.space.name}, reduction={self.reduction}"


def _preprocess(
    space: CellSpace, C_pp: int | None, C_p: int, C: int, reduction_prev: bool, *, affine: bool
) -> list[nn.Module]:
    if space.n_inputs == 1:
        if space.preprocess or C_p != C:
            return [ReLUConvBN(C_p, C, 1, 1, 0, affine=affine)]
        return [nn.Identity()]
    assert C_pp is not None
    pre0: nn.Module = (
        FactorizedReduce(C_pp, C, affine=affine)
        if reduction_prev
        else ReLUConvBN(C_pp, C, 1, 1, 0, affine=affine)
    )
    return [pre0, ReLUConvBN(C_p, C, 1, 1, 0, affine=affine)]


def _concat(states: Sequence[torch.Tensor], concat: Sequence[int]) -> torch.Tensor:
    if len(concat) == 1:
        return states[concat[0]]
    return torch.cat([states[i] for i in concat], dim=1)


class _Macro(nn.Module):
    """Shared stem / cell stacking / classifier of the supernet and the discrete network."""

    def _build(
        self,
        space: CellSpace,
        *,
        C: int,
        layers: int,
        in_channels: int,
        num_classes: int,
        stem_multiplier: int,
        reductions: tuple[int, ...],
        make_cell: Callable[..., nn.Module],
        affine: bool,
    ) -> None:
        for name, val in (
            ("C", C),
            ("num_classes", num_classes),
            ("in_channels", in_channels),
            ("stem_multiplier", stem_multiplier),
        ):
            if not isinstance(val, int) or val < 1:
                raise ValueError(f"{name} must be a positive int, got {val!r}")
        self.space, self.C, self.layers = space, C, layers
        self.in_channels, self.num_classes, self.reductions = in_channels, num_classes, reductions
        self.cells = nn.ModuleList()
        self.downsample = nn.ModuleDict()
        self.cell_channels: list[int] = []
        if space.n_inputs == 2:
            C_curr = stem_multiplier * C
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False), nn.BatchNorm2d(C_curr)
            )
            C_pp, C_p, C_curr = C_curr, C_curr, C
            reduction_prev = False
            for i in range(layers):
                reduction = i in reductions
                if reduction:
                    C_curr *= 2
                if reduction and C_curr % 2:
                    raise ValueError(
                        f"FactorizedReduce needs even channels: C={C} gives {C_curr} at cell {i}"
                    )
                self.cells.append(
                    make_cell(space, C_pp, C_p, C_curr, reduction=reduction, reduction_prev=reduction_prev)
                )
                reduction_prev = reduction
                C_pp, C_p = C_p, space.multiplier * C_curr
                self.cell_channels.append(C_p)
            self.head: nn.Module = nn.Identity()
        else:
            self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
            C_p, C_curr = C, C
            for i in range(layers):
                if i in reductions:
                    self.downsample[str(i)] = ResNetBasicBlock(C_p, 2 * C_p, 2, affine=True)
                    C_p, C_curr = 2 * C_p, 2 * C_curr
                self.cells.append(make_cell(space, None, C_p, C_curr, reduction=False, reduction_prev=False))
                C_p = space.multiplier * C_curr
                self.cell_channels.append(C_p)
            self.head = nn.Sequential(nn.BatchNorm2d(C_p), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_p, num_classes)

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a tensor, got {type(x).__name__}")
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (N, in_channels={self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        w = self.stem[0].weight
        if not x.is_floating_point():
            raise TypeError(f"x must be floating point, got {x.dtype}: convert it with x.to({w.dtype})")
        if x.dtype != w.dtype and not torch.is_autocast_enabled(x.device.type):
            raise TypeError(
                f"x dtype {x.dtype} differs from the parameters' dtype {w.dtype}: convert the input with "
                f"x.to({w.dtype}) or the model with model.to({x.dtype})"
                + (" (model.double())" if x.dtype == torch.float64 else "")
            )
        if x.device != w.device:
            raise ValueError(
                f"x is on {x.device} but the model's parameters are on {w.device}: move the input with "
                f"x.to({str(w.device)!r}) or the model with model.to({str(x.device)!r})"
            )


class Supernet(_Macro):
    """The DARTS one-shot supernet over a :class:`CellSpace` (see the module docstring for the two skeletons).

    Args:
        space: the cell space (``DARTS_SPACE``, ``NB201_SPACE``, ``nb_digits_space()`` or your own).
        C: initial channels (DARTS search: 16).
        num_classes: outputs of the classifier.
        layers: number of cells (DARTS search: 8).
        in_channels: input image channels.
        stem_multiplier: stem width multiplier of the two-input skeleton (DARTS: 3).
        reductions: cell indices where resolution halves (default :func:`default_reductions`).
        weighting: mixed-op combination hook (default: weighted sum, Eq. 2).
        weight_transform: α -> op weights hook (default: softmax, Eq. 2).
        alpha_init_std: α ~ alpha_init_std * N(0, 1) (official: 1e-3).
    """

    def __init__(
        self,
        space: CellSpace,
        *,
        C: int = 16,
        num_classes: int = 10,
        layers: int = 8,
        in_channels: int = 3,
        stem_multiplier: int = 3,
        reductions: Sequence[int] | None = None,
        weighting: Weighting = weighted_sum,
        weight_transform: WeightTransform = softmax_weights,
        alpha_init_std: float = 1e-3,
    ) -> None:
        super().__init__()
        if not isinstance(space, CellSpace):
            raise TypeError(f"space must be a CellSpace, got {type(space).__name__}")
        red = _check_reductions(space, layers, reductions)

        def make_cell(space: CellSpace, C_pp: int | None, C_p: int, C: int, **kw: bool) -> nn.Module:
            return SearchCell(space, C_pp, C_p, C, weighting=weighting, **kw)

        self._build(
            space,
            C=C,
            layers=layers,
            in_channels=in_channels,
            num_classes=num_classes,
            stem_multiplier=stem_multiplier,
            reductions=red,
            make_cell=make_cell,
            affine=False,
        )
        self.weight_transform = weight_transform
        if isinstance(alpha_init_std, bool) or not isinstance(alpha_init_std, (int, float)):
            raise TypeError(f"alpha_init_std must be a number >= 0, got {alpha_init_std!r}")
        if not math.isfinite(alpha_init_std) or alpha_init_std < 0:
            raise ValueError(f"alpha_init_std must be a finite number >= 0, got {alpha_init_std!r}")
        self.alpha_init_std = float(alpha_init_std)
        self.alphas = nn.ParameterDict(
            {name: nn.Parameter(alpha_init_std * torch.randn(*space.alpha_shape)) for name in self.cell_types}
        )

    @property
    def cell_types(self) -> tuple[str, ...]:
        """``("normal", "reduce")`` for the two-input skeleton with reductions, else ``("normal",)``."""
        if self.space.n_inputs == 2 and self.reductions:
            return ("normal", "reduce")
        return ("normal",)

    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters α (one ``(num_edges, num_ops)`` tensor per cell type)."""
        return list(self.alphas.values())

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        for name, p in self.named_parameters():
            if not name.startswith("alphas."):
                yield name, p

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter except α (the network weights w)."""
        return [p for _, p in self.named_weight_parameters()]

    def arch_weights(self) -> dict[str, torch.Tensor]:
        """Operation weights per cell type: ``weight_transform(α)`` (softmax by default)."""
        return {name: self.weight_transform(a) for name, a in self.alphas.items()}

    def check_weights(self, weights: Mapping[str, torch.Tensor]) -> None:
        """Raise ``ValueError`` unless ``weights`` has every cell type, the α shape, entries >= 0 and rows
        summing to 1 (rows of all zeros are allowed: a removed edge)."""
        for name in self.cell_types:
            if name not in weights:
                raise ValueError(f"weights must have keys {self.cell_types}, got {sorted(weights)}")
            w = weights[name]
            if tuple(w.shape) != self.space.alpha_shape:
                raise ValueError(
                    f"weights[{name!r}] has shape {tuple(w.shape)}, expected {self.space.alpha_shape}"
                )
            if bool((w < 0).any()):
                raise ValueError(f"weights[{name!r}] has negative entries")
            sums = w.detach().sum(-1)
            ok = torch.isclose(sums, torch.ones_like(sums), atol=1e-4) | (sums == 0)
            if not bool(ok.all()):
                raise ValueError(f"weights[{name!r}] rows must sum to 1 (or 0), got sums {sums.tolist()}")

    def forward(
        self, x: torch.Tensor, weights: Mapping[str, torch.Tensor] | None = None, *, check: bool = False
    ) -> torch.Tensor:
        """Logits ``(N, num_classes)``; ``weights`` overrides :meth:`arch_weights` (validated when ``check``)."""
        self._check_input(x)
        if weights is None:
            weights = self.arch_weights()
        elif check:
            self.check_weights(weights)
        s = self.stem(x)
        if self.space.n_inputs == 2:
            s0 = s1 = s
            for cell in self.cells:
                w = weights["reduce"] if cell.reduction else weights["normal"]
                s0, s1 = s1, cell([s0, s1], w)
            out = s1
        else:
            out = s
            for i, cell in enumerate(self.cells):
                if str(i) in self.downsample:
                    out = self.downsample[str(i)](out)
                out = cell([out], weights["normal"])
        return self.classifier(self.pool(self.head(out)).flatten(1))

    def genotype(self, rule: SelectionRule | None = None) -> Genotype:
        """Discretise the current α (DARTS rule of the space, or ``rule``)."""
        with torch.no_grad():
            return derive_genotype(self.arch_weights(), self.space, rule=rule)

    def extra_repr(self) -> str:
        return (
            f"space={self.space.name}, C={self.C}, layers={self.layers}, reductions={self.reductions}, "
            f"in_channels={self.in_channels}, num_classes={self.num_classes}"
        )


def parameter_free_share(
    weights: Mapping[str, torch.Tensor], space: CellSpace, *, include_none: bool = False
) -> float:
    """Mean over edges (and cell types) of the weight on parameter-free ops (skip, pooling; ``none`` if asked).

    The DARTS collapse shows up as this share rising with search epochs.
    """
    idx = [k for k, p in enumerate(space.primitives) if p in PARAMETER_FREE and (include_none or p != "none")]
    if not idx:
        return 0.0
    vals = [float(w[:, idx].sum(-1).mean()) for w in weights.values()]
    return sum(vals) / len(vals)


@contextmanager
def batch_stats_bn(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluate with batch statistics in every BatchNorm (train-mode BN) without touching running stats.

    The supernet's running statistics mix every op, so DARTS-PT and most probes evaluate it in train mode.
    """
    saved = []
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            saved.append((m, m.training, m.momentum))
            m.train()
            m.momentum = 0.0
    try:
        yield model
    finally:
        for m, training, momentum in saved:
            m.train(training)
            m.momentum = momentum
