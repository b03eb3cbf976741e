"""``darts-pt-reproduce``: argmax-α rules (magnitude, DARTS) vs perturbation-based selection on the same
supernets, scored by the NB-digits-3e5o ground truth (presets quick | cpu | full). Needs the ``reproduce`` extra:
``pip install "darts-pt[reproduce]"`` (it brings darts-core's reproduction: the digits data and the table's split).

One study, ``nb_digits`` (a frozen config and ``run(cfg, ctx)``). Presets: ``quick`` (seconds), ``cpu`` (10 seeds;
the committed results), ``full`` (GPU, more epochs and seeds). The runner of ``paperzoo_shared`` owns everything
around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from darts_pt import __version__
from darts_pt.reproduce import nb_digits
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "nb_digits": Study(
        nb_digits.Config,
        nb_digits.run,
        "magnitude and DARTS rules vs DARTS-PT (and fix α) on the same NB-digits-3e5o supernets, by ground truth",
        draw=nb_digits.draw,
        requires=("sklearn", "matplotlib"),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={"nb_digits": nb_digits.Config(epochs=4, interval_epochs=1, fix_alpha=False, workers=1)},
    ),
    "cpu": Preset(seeds=tuple(range(10)), studies={"nb_digits": nb_digits.Config()}),
    "full": Preset(
        seeds=tuple(range(20)),
        studies={"nb_digits": nb_digits.Config(epochs=50, interval_epochs=5, workers=8)},
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("darts-pt", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
