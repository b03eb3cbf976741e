"""``sd-darts-reproduce``: DARTS-1st, DARTS-2nd, SDARTS-RS and SD-DARTS under darts-core's long-search protocol on
the exhaustively trained NB-digits-3e5o space (presets quick | cpu | full). Needs the ``reproduce`` extra:
``pip install "sd-darts[reproduce]"``.

One study, ``long_search`` (a frozen config and ``run(cfg, ctx)``; the SDARTS-RS baseline in
:mod:`sd_darts.reproduce.sdarts_rs`). Presets: ``quick`` (seconds), ``cpu`` (8 verdict seeds, 120 epochs: about
35-45 minutes on 2 cores, longer than the usual 10 because the protocol needs 120-epoch searches and second-order
DARTS), ``full`` (adds SD-DARTS K=1 and the EMA teacher). The runner of ``paperzoo_shared`` owns everything around
the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from sd_darts import __version__
from sd_darts.reproduce import long_search

STUDIES = {
    "long_search": Study(
        long_search.Config,
        long_search.run,
        "DARTS-1st/2nd, SDARTS-RS and SD-DARTS on the same supernets: sharpness in α, gap, ground-truth regret",
        draw=long_search.draw,
        requires=("sklearn", "matplotlib"),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "long_search": long_search.Config(
                epochs=3,
                eig_epochs=(3,),
                eig_iters=5,
                workers=1,
                arms=("DARTS-1st", "DARTS-2nd", long_search.RS, long_search.SD),
            )
        },
    ),
    "cpu": Preset(seeds=tuple(range(8)), studies={"long_search": long_search.Config()}),
    "full": Preset(
        seeds=tuple(range(8)),
        studies={
            "long_search": long_search.Config(
                arms=(
                    "DARTS-1st",
                    "DARTS-2nd",
                    long_search.RS,
                    long_search.SD,
                    "SD-DARTS s=epoch",
                    "SD-DARTS K=1",
                    "SD-DARTS EMA",
                ),
                workers=8,
            )
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("sd-darts", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
