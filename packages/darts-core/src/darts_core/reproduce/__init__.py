"""``darts-core-reproduce``: DARTS searches on the exhaustively trained NB-digits-3e5o space (presets quick | cpu
| full). Needs the ``reproduce`` extra: ``pip install "darts-core[reproduce]"``.

Studies (one module each, a frozen config and ``run(cfg, ctx)``):

* ``search``: per seed a DARTS search; the derived cell scored by the shipped ground truth against a random
  architecture (criteria a, b);
* ``collapse``: 4x longer searches on the first ``n_seeds`` seeds; α's drift to parameter-free ops (criterion c).

Presets: ``quick`` (seconds), ``cpu`` (10 seeds, 30 / 120 epochs; the committed results), ``full`` (GPU: 20 seeds,
first and second order, 50 / 200 epochs). The runner of ``paperzoo_shared`` owns everything around the run
(``--help`` lists its options). ``darts-core-build-bench`` (:mod:`darts_core.reproduce.nb_table`) rebuilds the
ground-truth table.
"""

from __future__ import annotations

from collections.abc import Sequence

from darts_core import __version__
from darts_core.reproduce import collapse, search
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "search": Study(
        search.Config,
        search.run,
        "DARTS search scored by the NB-digits-3e5o ground truth vs a random architecture (criteria a, b)",
        requires=("sklearn",),
    ),
    "collapse": Study(
        collapse.Config,
        collapse.run,
        "4x longer searches: α's drift to parameter-free ops (criterion c, NAS-Bench-201 Sec. 6)",
        draw=collapse.draw,
        requires=("sklearn", "matplotlib"),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0, 1),
        studies={
            "search": search.Config(epochs=6),
            "collapse": collapse.Config(epochs=12, checkpoints=(4, 8, 12), n_seeds=2),
        },
    ),
    "cpu": Preset(
        seeds=tuple(range(10)),
        studies={"search": search.Config(), "collapse": collapse.Config()},
    ),
    "full": Preset(
        seeds=tuple(range(20)),
        studies={
            "search": search.Config(epochs=50, orders=(1, 2)),
            "collapse": collapse.Config(
                epochs=200, checkpoints=(50, 100, 150, 200), n_seeds=20, orders=(1, 2)
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("darts-core", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
