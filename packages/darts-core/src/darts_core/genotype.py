"""Genotypes (discrete cells) and the rules that derive them from architecture weights.

A :class:`Genotype` lists, per intermediate node, its kept incoming edges as ``(op, input_node)`` pairs, for
the normal cell and (DARTS) the reduction cell. Its string form is the NAS-Bench-201 one,
``|op~0|+|op~0|op~1|`` (nodes separated by ``+``), with ``normal:... reduce:...`` when there are two cell
types; :meth:`Genotype.from_darts` reads the official DARTS ``Genotype(normal=[...], ...)`` repr.

The selection rule is an extension point: any ``rule(weights, space) -> Genotype`` can be passed to
:func:`derive_genotype` (DARTS-PT plugs its perturbation-based rule in there).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from darts_core.spaces import CellSpace

Node = tuple[tuple[str, int], ...]
Cell = tuple[Node, ...]


def _as_cell(cell: Any, name: str) -> Cell:
    try:
        out = tuple(tuple((str(op), int(j)) for op, j in node) for node in cell)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{name} must be a sequence of nodes, each a sequence of (op, input) pairs; got {cell!r}"
        ) from err
    return out


@dataclasses.dataclass(frozen=True)
class Genotype:
    """A discrete cell architecture.

    ``normal[i]`` holds the ``(op, input_node)`` pairs entering intermediate node ``i`` (global index
    ``n_inputs + i``). ``reduce`` is None for spaces with one cell type. ``*_concat`` are the global indices of
    the nodes forming the cell output; None means "as the space says" (:attr:`CellSpace.concat`).
    """

    normal: Cell
    normal_concat: tuple[int, ...] | None = None
    reduce: Cell | None = None
    reduce_concat: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "normal", _as_cell(self.normal, "normal"))
        if self.reduce is not None:
            object.__setattr__(self, "reduce", _as_cell(self.reduce, "reduce"))
        for name in ("normal_concat", "reduce_concat"):
            val = getattr(self, name)
            if val is not None:
                object.__setattr__(self, name, tuple(int(v) for v in val))

    # ------------------------------------------------------------------ strings
    @staticmethod
    def cell_to_str(cell: Cell) -> str:
        return "+".join("|" + "|".join(f"{op}~{j}" for op, j in node) + "|" for node in cell)

    @staticmethod
    def cell_from_str(text: str) -> Cell:
        text = text.strip()
        if not text:
            raise ValueError(
                "genotype string is empty; expected e.g. '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|'"
            )
        nodes = []
        for part in text.split("+"):
            part = part.strip()
            if not (part.startswith("|") and part.endswith("|")) or len(part) < 2:
                raise ValueError(
                    f"cannot parse genotype node {part!r} in {text!r}: expected '|op~input|...|'"
                )
            pairs = []
            for tok in part[1:-1].split("|"):
                m = re.fullmatch(r"([A-Za-z_][\w]*)~(\d+)", tok.strip())
                if m is None:
                    raise ValueError(
                        f"cannot parse genotype edge {tok!r} in {text!r}: expected 'op~input_index'"
                    )
                pairs.append((m.group(1), int(m.group(2))))
            nodes.append(tuple(pairs))
        return tuple(nodes)

    def to_str(self) -> str:
        """``|op~j|+|...|`` (one cell type) or ``normal:<cell> reduce:<cell>``."""
        if self.reduce is None:
            return self.cell_to_str(self.normal)
        return f"normal:{self.cell_to_str(self.normal)} reduce:{self.cell_to_str(self.reduce)}"

    def __str__(self) -> str:
        return self.to_str()

    @classmethod
    def from_str(cls, text: str) -> Genotype:
        """Parse :meth:`to_str` output, or the official DARTS ``Genotype(normal=[...], ...)`` repr."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        s = text.strip()
        if s.startswith("Genotype("):
            return cls.from_darts(s)
        m = re.fullmatch(r"normal:(\S+)\s+reduce:(\S+)", s)
        if m:
            return cls(normal=cls.cell_from_str(m.group(1)), reduce=cls.cell_from_str(m.group(2)))
        return cls(normal=cls.cell_from_str(s))

    @classmethod
    def from_darts(cls, genotype: Any, n_per_node: int = 2) -> Genotype:
        """From the official DARTS format: a flat list of ``(op, j)`` pairs, ``n_per_node`` per node.

        Accepts the repr string ``Genotype(normal=[...], normal_concat=range(2, 6), reduce=[...], ...)`` or any
        object with ``normal``/``reduce`` (and optionally ``*_concat``) attributes.
        """
        if isinstance(genotype, str):
            fields = _parse_darts_repr(genotype)
        else:
            fields = {
                k: getattr(genotype, k)
                for k in ("normal", "normal_concat", "reduce", "reduce_concat")
                if hasattr(genotype, k)
            }
        if "normal" not in fields:
            raise ValueError(f"a DARTS genotype needs a 'normal' list, got {genotype!r}")

        def group(flat: Sequence[Any], name: str) -> Cell:
            flat = list(flat)
            if len(flat) % n_per_node != 0:
                raise ValueError(f"{name} has {len(flat)} edges, not a multiple of {n_per_node} per node")
            return _as_cell([flat[i : i + n_per_node] for i in range(0, len(flat), n_per_node)], name)

        reduce = fields.get("reduce")
        return cls(
            normal=group(fields["normal"], "normal"),
            normal_concat=tuple(fields["normal_concat"]) if fields.get("normal_concat") is not None else None,
            reduce=group(reduce, "reduce") if reduce is not None else None,
            reduce_concat=tuple(fields["reduce_concat"]) if fields.get("reduce_concat") is not None else None,
        )

    def to_darts(self) -> dict[str, Any]:
        """The official flat format: ``{"normal": [(op, j), ...], "normal_concat": [...], ...}``."""
        out: dict[str, Any] = {
            "normal": [p for node in self.normal for p in node],
            "normal_concat": self.normal_concat,
        }
        if self.reduce is not None:
            out["reduce"] = [p for node in self.reduce for p in node]
            out["reduce_concat"] = self.reduce_concat
        return out

    # ------------------------------------------------------------------ checks
    def cells(self) -> dict[str, Cell]:
        return (
            {"normal": self.normal} if self.reduce is None else {"normal": self.normal, "reduce": self.reduce}
        )

    def ops(self) -> list[str]:
        """Every op of the genotype (normal then reduce), in order."""
        return [op for cell in self.cells().values() for node in cell for op, _ in node]

    def validate(self, space: CellSpace) -> Genotype:
        """Raise ``ValueError`` unless this genotype is a valid discrete cell of ``space``; returns self."""
        for name, cell in self.cells().items():
            if len(cell) != space.n_nodes:
                raise ValueError(
                    f"genotype {name} cell has {len(cell)} nodes, space {space.name!r} has {space.n_nodes}"
                )
            for i, node in enumerate(cell):
                here = space.n_inputs + i
                want = space.topk if space.topk is not None else here
                if len(node) != want:
                    raise ValueError(
                        f"genotype {name} node {here} has {len(node)} incoming edges, expected {want}"
                    )
                seen = set()
                for op, j in node:
                    if op not in space.primitives:
                        raise ValueError(
                            f"genotype {name} node {here}: op {op!r} is not in the space's primitives {space.primitives}"
                        )
                    if not 0 <= j < here:
                        raise ValueError(
                            f"genotype {name} node {here}: input index {j} must be in [0, {here - 1}]"
                        )
                    if j in seen:
                        raise ValueError(f"genotype {name} node {here}: input {j} appears twice")
                    seen.add(j)
            concat = self.normal_concat if name == "normal" else self.reduce_concat
            if concat is not None and any(not 0 <= c < space.n_inputs + space.n_nodes for c in concat):
                raise ValueError(f"genotype {name}_concat {concat} refers to nodes outside the cell")
        return self


def _parse_darts_repr(text: str) -> dict[str, Any]:
    m = re.fullmatch(r"\s*Genotype\((.*)\)\s*", text, flags=re.S)
    if m is None:
        raise ValueError(f"cannot parse DARTS genotype {text!r}: expected 'Genotype(normal=[...], ...)'")
    body = re.sub(
        r"range\((\d+)\s*,\s*(\d+)\)",
        lambda r: repr(list(range(int(r.group(1)), int(r.group(2))))),
        m.group(1),
    )
    try:
        call = ast.parse(f"f({body})", mode="eval").body
        assert isinstance(call, ast.Call)
        return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg is not None}
    except (SyntaxError, ValueError, AssertionError) as err:
        raise ValueError(f"cannot parse DARTS genotype {text!r}: {err}") from err


# ---------------------------------------------------------------------------------------------- selection

SelectionRule = Callable[[Mapping[str, torch.Tensor], CellSpace], Genotype]
"""``rule(weights, space) -> Genotype``; ``weights`` maps cell type to ``(num_edges, num_ops)`` probabilities."""


def _derive_cell(weights: torch.Tensor, space: CellSpace, exclude: Sequence[str], topk: int | None) -> Cell:
    W = weights.detach().double().cpu().tolist()
    allowed = [k for k, p in enumerate(space.primitives) if p not in exclude]
    if not allowed:
        raise ValueError(f"exclude={tuple(exclude)} removes every primitive {space.primitives}")
    cell = []
    for i in range(space.n_nodes):
        rows = [W[e] for e in space.node_edges(i)]
        n_in = space.n_inputs + i
        if topk is None:
            inputs = list(range(n_in))
        else:
            # rank incoming edges by their strongest allowed op (stable: ties keep the lower input first)
            inputs = sorted(range(n_in), key=lambda j: -max(rows[j][k] for k in allowed))[:topk]
        node = []
        for j in inputs:
            k_best = allowed[0]
            for k in allowed:
                if rows[j][k] > rows[j][k_best]:
                    k_best = k
            node.append((space.primitives[k_best], j))
        cell.append(tuple(node))
    return tuple(cell)


def darts_rule(weights: Mapping[str, torch.Tensor], space: CellSpace) -> Genotype:
    """The official rule: per node keep the ``space.topk`` edges with the largest max-probability over
    non-excluded ops (ranked on softmax weights, not raw α), and on each the strongest non-excluded op.
    With ``space.topk=None`` every edge is kept and the argmax op taken (the NAS-Bench-201 rule)."""
    return derive_genotype(weights, space)


def derive_genotype(
    weights: Mapping[str, torch.Tensor],
    space: CellSpace,
    *,
    exclude: Sequence[str] | None = None,
    topk: int | None | str = "space",
    rule: SelectionRule | None = None,
) -> Genotype:
    """Discretise architecture weights into a :class:`Genotype` (DARTS Sec. 2.4).

    Args:
        weights: ``{"normal": (E, K), ["reduce": (E, K)]}`` operation probabilities (softmax of α; use
            :meth:`Supernet.arch_weights`). Raw α give a different edge ranking: pass probabilities.
        space: the cell space.
        exclude: ops never picked (default ``space.exclude``: ``("none",)`` for DARTS).
        topk: edges kept per node (default ``space.topk``; None keeps all).
        rule: a custom selection rule ``rule(weights, space)`` replacing the built-in one.
    """
    if rule is not None:
        return rule(weights, space).validate(space)
    if not isinstance(weights, Mapping) or "normal" not in weights:
        raise ValueError(f"weights must be a mapping with a 'normal' entry, got {type(weights).__name__}")
    excl = tuple(space.exclude if exclude is None else exclude)
    k = space.topk if topk == "space" else topk
    if k is not None and (isinstance(k, bool) or not isinstance(k, int)):
        raise TypeError(f"topk must be an int, None or 'space', got {topk!r}")
    if k is not None and k < 1:
        raise ValueError(f"topk must be >= 1 (edges kept per node; None keeps all), got {k}")
    cells = {}
    for name, w in weights.items():
        if tuple(w.shape) != space.alpha_shape:
            raise ValueError(f"weights[{name!r}] has shape {tuple(w.shape)}, expected {space.alpha_shape}")
        # a warning, not an error: a search run with check_finite=False still ends with its result
        if not bool(torch.isfinite(w).all()):
            warnings.warn(
                f"weights[{name!r}] holds non-finite values (NaN or inf): the ranking of edges and ops is "
                "arbitrary; check the architecture parameters (a search on NaN data?)",
                RuntimeWarning,
                stacklevel=2,
            )
        cells[name] = _derive_cell(w, space, excl, k)
    concat = space.concat if space.output == "concat" else None
    return Genotype(
        normal=cells["normal"],
        normal_concat=concat,
        reduce=cells.get("reduce"),
        reduce_concat=concat if "reduce" in cells else None,
    )
