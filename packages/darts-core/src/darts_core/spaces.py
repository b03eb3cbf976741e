"""Cell search spaces: which nodes, which edges, which candidate ops, and how a cell is discretised.

A cell has ``n_inputs`` input nodes (2 in DARTS: the outputs of cells k-2 and k-1; 1 in NAS-Bench-201) and
``n_nodes`` intermediate nodes. Intermediate node ``i`` (global index ``n_inputs + i``) receives one edge from
every earlier node, so edge ``e`` connects ``edges[e] = (j, n_inputs + i)`` in the order
``for i in range(n_nodes): for j in range(n_inputs + i)`` (the official code's order; DARTS: 14 edges).

The discretisation rule is part of the space (``topk`` and ``exclude``): DARTS keeps the 2 strongest incoming
edges per node and never picks ``none``; NAS-Bench-201 keeps every edge and takes the argmax op, ``none``
included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from darts_core.ops import OPS

DARTS_PRIMITIVES: tuple[str, ...] = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
"""The 8 DARTS candidates, in the official ``PRIMITIVES`` order."""

NB201_PRIMITIVES: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""The 5 NAS-Bench-201 candidates, in the official order."""


@dataclasses.dataclass(frozen=True)
class CellSpace:
    """A cell search space.

    Args:
        name: a label.
        n_inputs: input nodes of a cell (2 for DARTS, 1 for NAS-Bench-201).
        n_nodes: intermediate nodes.
        primitives: candidate op names, each registered in :data:`darts_core.ops.OPS`.
        topk: incoming edges kept per node at discretisation (DARTS: 2), or None to keep every edge (NB201).
        exclude: ops never selected at discretisation (DARTS: ``("none",)``; NB201: none excluded).
        output: ``"concat"`` (concatenate every intermediate node, DARTS) or ``"last"`` (the last node, NB201).
        pool_bn: add ``BatchNorm2d(affine=False)`` after pooling candidates inside a search mixed op (DARTS).
        preprocess: 1 x 1 ReLU-Conv-BN (or FactorizedReduce) on the cell inputs (DARTS) or none (NB201).
    """

    name: str
    n_inputs: int
    n_nodes: int
    primitives: tuple[str, ...]
    topk: int | None = 2
    exclude: tuple[str, ...] = ("none",)
    output: str = "concat"
    pool_bn: bool = True
    preprocess: bool = True

    def __post_init__(self) -> None:
        if self.n_inputs not in (1, 2):
            raise ValueError(f"n_inputs must be 1 or 2, got {self.n_inputs}")
        if not isinstance(self.n_nodes, int) or self.n_nodes < 1:
            raise ValueError(f"n_nodes must be a positive int, got {self.n_nodes!r}")
        prims = tuple(self.primitives)
        object.__setattr__(self, "primitives", prims)
        object.__setattr__(self, "exclude", tuple(self.exclude))
        if len(prims) < 1 or len(set(prims)) != len(prims):
            raise ValueError(f"primitives must be non-empty and unique, got {prims}")
        unknown = [p for p in prims if p not in OPS]
        if unknown:
            raise KeyError(f"unknown primitives {unknown}; registered ops: {sorted(OPS)}")
        if self.topk is not None and not (1 <= self.topk <= self.n_inputs):
            raise ValueError(f"topk must be None or in [1, n_inputs={self.n_inputs}], got {self.topk}")
        if self.output not in ("concat", "last"):
            raise ValueError(f"output must be 'concat' or 'last', got {self.output!r}")
        if all(p in self.exclude for p in prims):
            raise ValueError(f"exclude={self.exclude} removes every primitive {prims}")

    @property
    def edges(self) -> list[tuple[int, int]]:
        """``(from_node, to_node)`` per edge, global node indices, in α row order."""
        return [(j, self.n_inputs + i) for i in range(self.n_nodes) for j in range(self.n_inputs + i)]

    @property
    def num_edges(self) -> int:
        return sum(self.n_inputs + i for i in range(self.n_nodes))

    @property
    def num_ops(self) -> int:
        return len(self.primitives)

    @property
    def alpha_shape(self) -> tuple[int, int]:
        """Shape of one cell type's architecture parameters: ``(num_edges, num_ops)``."""
        return (self.num_edges, self.num_ops)

    @property
    def concat(self) -> tuple[int, ...]:
        """Global indices of the nodes forming the cell output."""
        if self.output == "last":
            return (self.n_inputs + self.n_nodes - 1,)
        return tuple(range(self.n_inputs, self.n_inputs + self.n_nodes))

    @property
    def multiplier(self) -> int:
        """Output channels of a cell divided by its ``C``."""
        return len(self.concat)

    def node_edges(self, i: int) -> range:
        """Edge indices entering intermediate node ``i`` (0-based among intermediate nodes)."""
        start = sum(self.n_inputs + k for k in range(i))
        return range(start, start + self.n_inputs + i)

    def num_architectures(self) -> int:
        """Size of the discrete space of one cell type (NB201-style spaces only; DARTS counts top-k choices)."""
        if self.topk is None:
            return self.num_ops**self.num_edges
        from math import comb

        n = 1
        k = self.num_ops - sum(p in self.exclude for p in self.primitives)
        for i in range(self.n_nodes):
            n *= comb(self.n_inputs + i, self.topk) * k**self.topk
        return n

    def with_primitives(self, primitives: Sequence[str]) -> CellSpace:
        """The same space with another candidate set (the op-set extension point)."""
        return dataclasses.replace(self, primitives=tuple(primitives))


DARTS_SPACE = CellSpace("darts", n_inputs=2, n_nodes=4, primitives=DARTS_PRIMITIVES)
"""The DARTS / NASNet cell: 2 inputs, 4 nodes, 14 edges, 8 ops, top-2 edges per node, output concat."""

NB201_SPACE = CellSpace(
    "nb201",
    n_inputs=1,
    n_nodes=3,
    primitives=NB201_PRIMITIVES,
    topk=None,
    exclude=(),
    output="last",
    pool_bn=False,
    preprocess=False,
)
"""The NAS-Bench-201 cell: 1 input, 3 nodes, 6 edges, 5 ops, argmax per edge, output the last node."""


def nb_digits_space(n_nodes: int = 2, primitives: Sequence[str] = NB201_PRIMITIVES) -> CellSpace:
    """The tiny NAS-Bench-201-style spaces of the ground-truth tables.

    ``n_nodes=2`` with the 5 NB201 ops is NB-digits-3e5o (edges 0->1, 0->2, 1->2; 125 architectures).
    """
    return CellSpace(
        f"nb-digits-{sum(1 + i for i in range(n_nodes))}e{len(tuple(primitives))}o",
        n_inputs=1,
        n_nodes=n_nodes,
        primitives=tuple(primitives),
        topk=None,
        exclude=(),
        output="last",
        pool_bn=False,
        preprocess=False,
    )
