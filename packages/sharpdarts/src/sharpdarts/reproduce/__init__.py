"""``sharpdarts-reproduce``: the sharpDARTS claims at small scale (presets quick | cpu | full). Needs the
``reproduce`` extra: ``pip install "sharpdarts[reproduce]"`` (it brings darts-core's reproduction: the digits data,
the NB-digits-3e5o ground truth and the long-search protocol).

Studies (one module each, a frozen config and ``run(cfg, ctx)``):

* ``cpa``: Cosine Power Annealing's exact values (criteria) and a digits training demo (sanity row);
* ``cells``: DARTS ops vs SharpSepConv ops in the NB-digits cell (reported);
* ``maxw_cells``: Max-W in darts-core's long-search protocol against DARTS-1st and DARTS-2nd (reported, not judged);
* ``hypercuboid``: Max-W vs scalar weighting in Differentiable Hyperparameter Grid Search (criterion).

The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from sharpdarts import __version__
from sharpdarts.reproduce import cells, cpa, hypercuboid, maxw_cells

STUDIES = {
    "cpa": Study(
        cpa.Config,
        cpa.run,
        "Cosine Power Annealing: exact values of the official examples; digits demo vs cosine",
        draw=cpa.draw,
        requires=("sklearn", "matplotlib"),
    ),
    "cells": Study(
        cells.Config,
        cells.run,
        "DARTS vs SharpSepConv ops in the NB-digits cell (reported, with parameter counts)",
        requires=("sklearn",),
    ),
    "maxw_cells": Study(
        maxw_cells.Config,
        maxw_cells.run,
        "Max-W vs DARTS-1st / DARTS-2nd in darts-core's long-search protocol (reported, not judged)",
        draw=maxw_cells.draw,
        requires=("sklearn", "matplotlib"),
    ),
    "hypercuboid": Study(
        hypercuboid.Config,
        hypercuboid.run,
        "Max-W vs scalar weighting on a tiny HyperCuboid, paths retrained (criterion)",
        requires=("sklearn",),
    ),
}

_QUICK_HC = hypercuboid.Config(
    channels=(2, 4),
    layers=2,
    head_channels=8,
    search_seeds=1,
    search_epochs=2,
    path_seeds=(0,),
    path_epochs=2,
    min_wins=1,
    workers=1,
)

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "cpa": cpa.Config(demo_epochs=2, demo_seeds=1),
            "cells": cells.Config(ops=("sep_conv_3x3", "sharp_sep_conv_3x3"), n_seeds=1, epochs=1),
            "maxw_cells": maxw_cells.Config(epochs=1, workers=1),
            "hypercuboid": _QUICK_HC,
        },
        threads=1,
    ),
    "cpu": Preset(
        seeds=tuple(range(8)),  # the long-search verdict seeds 0-7; the other studies use the first 5 or 6
        studies={
            "cpa": cpa.Config(),
            "cells": cells.Config(),
            "maxw_cells": maxw_cells.Config(),
            "hypercuboid": hypercuboid.Config(),
        },
        threads=1,
    ),
    "full": Preset(
        seeds=tuple(range(16)),
        studies={
            "cpa": cpa.Config(demo_epochs=100, demo_seeds=10),
            "cells": cells.Config(n_seeds=10),
            "maxw_cells": maxw_cells.Config(workers=8),
            "hypercuboid": dataclasses.replace(
                hypercuboid.Config(),
                channels=(16, 32, 64, 128, 256),
                head_channels=256,
                search_seeds=12,
                search_epochs=50,
                path_epochs=60,
                min_wins=8,
                workers=8,
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("sharpdarts", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
