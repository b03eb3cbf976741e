"""``anyloss-reproduce``: does optimising F1 / balanced accuracy directly beat BCE on imbalanced data?

Studies (one module each, a frozen config and ``run(cfg, ctx)``):

* ``synthetic``: the paper's MLP with BCE, class-weighted BCE, AnyLoss-F1, AnyLoss-BAcc and the un-amplified
  soft F1 on the paper's synthetic dataset, and a stronger MLP (2x32 ReLU) against a well-fit BCE model;
* ``real``: the same losses on breast cancer (malignant = 10% of benign) and digits 3-vs-rest;
* ``L_table``: AnyLoss-F1 at L = 30, 50, 73 and without amplification (the paper's L table);
* ``timing``: time per epoch of one model per loss relative to BCE.

Stratified 5-fold CV repeated over 3 seeds: every number of the fold studies averages 15 test folds. All models
of one (dataset, loss) setting -- every seed and fold -- train at once as a batched ensemble (see
:mod:`anyloss.reproduce.ensemble`). The runner of ``paperzoo_shared`` owns everything around the run (``--help``
lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from anyloss import __version__
from anyloss.reproduce import l_table, real, synthetic, timing
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "synthetic": Study(
        synthetic.Config,
        synthetic.run,
        "the paper's synthetic set: every loss with the paper MLP, and a 2x32 ReLU MLP",
        draw=synthetic.draw,
        requires=("sklearn",),
    ),
    "real": Study(
        real.Config,
        real.run,
        "breast cancer (10% malignant) and digits 3-vs-rest: every loss with the paper MLP",
        draw=real.draw,
        requires=("sklearn",),
    ),
    "L_table": Study(
        l_table.Config,
        l_table.run,
        "the paper's L table: AnyLoss-F1 at L = 30, 50, 73 and Pure",
        requires=("sklearn",),
    ),
    "timing": Study(
        timing.Config, timing.run, "time per epoch of one MLP, relative to BCE", requires=("sklearn",)
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "synthetic": synthetic.Config(n=3000, n_splits=3, epochs=30, strong=False, criteria=False),
            "timing": timing.Config(n=3000, n_splits=3, epochs=3, repeats=1, compiled=(), criteria=False),
        },
    ),
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "synthetic": synthetic.Config(),
            "real": real.Config(),
            "L_table": l_table.Config(),
            "timing": timing.Config(),
        },
    ),
    "full": Preset(
        seeds=tuple(range(10)),
        studies={
            "synthetic": synthetic.Config(),
            "real": real.Config(
                datasets=("breast_cancer", "digits3", "synth1m_1pct", "synth1m_5pct", "synth1m_10pct")
            ),
            "L_table": l_table.Config(ablation=(30.0, 50.0, 90.0, 110.0)),
            "timing": timing.Config(epochs=5, repeats=5),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("anyloss", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
