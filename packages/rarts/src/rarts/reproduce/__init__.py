"""``rarts-reproduce``: RARTS against DARTS on the solvable toy model and on the exhaustively trained NB-digits-3e5o
space (presets quick | cpu | full). Needs the ``reproduce`` extra: ``pip install "rarts[reproduce]"`` (it brings
darts-core's reproduction: the digits data, the ground-truth table's split, the long-search protocol).

Studies (one module each, a frozen config and ``run(cfg, ctx)``):

* ``toy``: DARTS' analytically solvable bilevel model; RARTS' iterate against its closed form and against DARTS;
* ``long_search``: darts-core's long-search protocol (120 epochs, 8 verdict seeds, DARTS rule, ground truth),
  DARTS-1st, DARTS-2nd and RARTS;
* ``cost``: wall time of one search iteration against second-order DARTS (median of interleaved iterations);
* ``grid`` (full): the RARTS arm of the long search over λ, β in {0.1, 1, 10};
* ``width`` (full): width search with RARTS against network slimming at an equal channel budget.

The cpu preset takes about 30 minutes on 2 cores (the long search: 24 searches of 120 epochs), longer than the
usual 10 because the protocol needs long searches; it prints its progress. The runner of ``paperzoo_shared`` owns
everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from rarts import __version__
from rarts.reproduce import cost, grid, long_search, toy, width

STUDIES = {
    "toy": Study(
        toy.Config,
        toy.run,
        "DARTS' solvable toy model: RARTS reaches its closed-form point, nearer the bilevel optimum than DARTS-1st",
        draw=toy.draw,
        requires=("matplotlib",),
    ),
    "long_search": Study(
        long_search.Config,
        long_search.run,
        "120-epoch searches on NB-digits-3e5o: RARTS vs DARTS-1st/2nd by ground truth (darts-core's collapse rule)",
        draw=long_search.draw,
        requires=("sklearn", "matplotlib"),
    ),
    "cost": Study(
        cost.Config,
        cost.run,
        "wall time of one search iteration, RARTS vs second-order DARTS",
        requires=("sklearn",),
    ),
    "grid": Study(
        grid.Config, grid.run, "RARTS' long search over a λ, β grid (reported)", requires=("sklearn",)
    ),
    "width": Study(
        width.Config,
        width.run,
        "width search with RARTS vs network slimming at an equal channel budget",
        requires=("sklearn",),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "toy": toy.Config(steps=5_000),
            "long_search": long_search.Config(epochs=2, checkpoints=(1,), workers=1),
            "cost": cost.Config(iterations=2, warmup=0),
        },
    ),
    "cpu": Preset(
        seeds=tuple(range(8)),
        studies={"toy": toy.Config(), "long_search": long_search.Config(), "cost": cost.Config()},
    ),
    "full": Preset(
        seeds=tuple(range(8)),
        studies={
            "toy": toy.Config(),
            "long_search": long_search.Config(workers=8),
            "cost": cost.Config(iterations=200),
            "grid": grid.Config(workers=8),
            "width": width.Config(epochs=60, retrain_epochs=60),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("rarts", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
