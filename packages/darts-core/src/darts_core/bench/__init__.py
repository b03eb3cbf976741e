"""Offline ground truth: NB-digits-3e5o, an exhaustively trained 125-architecture NAS-Bench-201-style space.

The table ships with the package (``nb_digits_3e5o.json``) and reading it needs only the standard library; every
architecture was trained with several seeds on scikit-learn digits by :mod:`darts_core.reproduce.nb_table`
(``darts-core-build-bench``, the ``reproduce`` extra). Query it like NAS-Bench-201::

    from darts_core.bench import NBDigits
    nb = NBDigits()
    nb.query("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|")["test_acc"]
    nb.rank(genotype), nb.regret(genotype), nb.best()
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from darts_core.genotype import Genotype
from darts_core.spaces import CellSpace

TABLE_FILE = "nb_digits_3e5o.json"
METRICS = ("test_acc", "val_acc")


def genotype_from_ops(ops: Sequence[str], space: CellSpace) -> Genotype:
    """A one-input space's genotype from one op per edge, in edge (α row) order."""
    if len(ops) != space.num_edges:
        raise ValueError(f"need {space.num_edges} ops (one per edge), got {len(ops)}")
    nodes, e = [], 0
    for i in range(space.n_nodes):
        n_in = space.n_inputs + i
        nodes.append(tuple((ops[e + j], j) for j in range(n_in)))
        e += n_in
    return Genotype(normal=tuple(nodes)).validate(space)


class NBDigits:
    """Lookup API of an NB-digits table (default: the shipped NB-digits-3e5o).

    Args:
        path: a table JSON written by ``darts-core-build-bench`` (default: the packaged table).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            text = resources.files("darts_core.bench").joinpath(TABLE_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        self.metadata: dict[str, Any] = data["metadata"]
        self.archs: dict[str, dict[str, Any]] = data["archs"]
        sp = self.metadata["space"]
        self.space = CellSpace(
            self.metadata["name"],
            n_inputs=sp["n_inputs"],
            n_nodes=sp["n_nodes"],
            primitives=tuple(sp["primitives"]),
            topk=None,
            exclude=(),
            output=sp["output"],
            pool_bn=False,
            preprocess=False,
        )

    def __len__(self) -> int:
        return len(self.archs)

    def __iter__(self) -> Iterator[str]:
        return iter(self.archs)

    def __contains__(self, genotype: object) -> bool:
        try:
            return self.key(genotype) in self.archs  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False

    def key(self, genotype: Genotype | str | Sequence[str]) -> str:
        """Canonical string of a genotype given as :class:`Genotype`, its string, or one op per edge."""
        if isinstance(genotype, str):
            genotype = Genotype.from_str(genotype)
        elif not isinstance(genotype, Genotype):
            if not isinstance(genotype, Sequence) or not all(isinstance(o, str) for o in genotype):
                raise TypeError(
                    f"genotype must be a Genotype, a genotype string or a sequence of op names, got {genotype!r}"
                )
            genotype = genotype_from_ops(list(genotype), self.space)
        if genotype.reduce is not None:
            raise ValueError("NB-digits cells have one cell type; the genotype has a reduce cell")
        genotype.validate(self.space)
        return Genotype(normal=genotype.normal).to_str()

    def query(self, genotype: Genotype | str | Sequence[str]) -> dict[str, Any]:
        """The table entry: ``val_acc``, ``test_acc`` (means over seeds), ``val_std``, ``test_std`` and ``std``
        (= ``test_std``), per-seed ``val_accs``/``test_accs``, ``params``, ``flops``."""
        entry = dict(self.archs[self.key(genotype)])
        entry["std"] = entry["test_std"]
        return entry

    def _metric(self, metric: str) -> dict[str, float]:
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
        return {k: float(v[metric]) for k, v in self.archs.items()}

    def best(self, metric: str = "test_acc") -> tuple[Genotype, dict[str, Any]]:
        """The best architecture by ``metric`` and its entry."""
        vals = self._metric(metric)
        k = max(vals, key=lambda key: vals[key])
        return Genotype.from_str(k), self.query(k)

    def rank(self, genotype: Genotype | str | Sequence[str], metric: str = "test_acc") -> int:
        """1 + number of architectures strictly better by ``metric`` (1 = best; ties share a rank)."""
        vals = self._metric(metric)
        v = vals[self.key(genotype)]
        return 1 + sum(1 for x in vals.values() if x > v)

    def regret(self, genotype: Genotype | str | Sequence[str], metric: str = "test_acc") -> float:
        """Best ``metric`` in the table minus the genotype's (0 for the best architecture)."""
        vals = self._metric(metric)
        return max(vals.values()) - vals[self.key(genotype)]

    def random_regret(self, metric: str = "test_acc") -> float:
        """Expected regret of a uniformly random architecture (mean over the whole table)."""
        vals = list(self._metric(metric).values())
        return max(vals) - sum(vals) / len(vals)

    def random_rank(self, metric: str = "test_acc") -> float:
        """Expected rank of a uniformly random architecture."""
        return sum(self.rank(k, metric) for k in self.archs) / len(self.archs)


__all__ = ["METRICS", "TABLE_FILE", "NBDigits", "genotype_from_ops"]
