"""``gradboost-nn-reproduce``: GBNN vs MLPs (adam, lbfgs, sgd) and tree boosting at small scale (presets quick |
cpu | full).

The paper's claims checked here (arXiv:1909.12098, abstract and Sec. 4): (1) GBNN generalises comparably to
one-hidden-layer MLPs trained with Adam, L-BFGS and SGD on classification and regression benchmarks; (2) the
hidden units trained last can be switched off at test time without a significant loss; (3) the T partial
networks form one ordinary network (checked through ``to_torch``). Studies: ``compare`` (1 and 3) and
``switch_off`` (2), one module each with a frozen config and ``run(cfg, ctx)``; the folds they share are in
:mod:`gradboost_nn.reproduce.folds`. The runner of ``paperzoo_shared`` owns everything around the run
(``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from gradboost_nn import __version__
from gradboost_nn.reproduce import compare, switch_off
from gradboost_nn.reproduce.folds import GBNN_CONFIGS
from paperzoo_shared.runner import Preset, Study, run_cli

__all__ = ["GBNN_CONFIGS", "PRESETS", "STUDIES", "main"]

STUDIES = {
    "compare": Study(
        compare.Config,
        compare.run,
        "GBNN vs MLP adam/lbfgs/sgd and tree boosting on the same CV folds; to_torch() equals the estimator",
    ),
    "switch_off": Study(
        switch_off.Config,
        switch_off.run,
        "switching off GBNN's last-trained units vs random units of an MLP",
        switch_off.draw,
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "compare": compare.Config(
                datasets=("iris", "breast_cancer"),
                n_folds=3,
                n_steps=8,
                mlp_hidden=50,
                mlp_max_iter=100,
                gb_trees=False,
                max_rows=120,
                n_jobs=1,
                acc_margin=0.05,
                acc_margin_binary=0.05,
            ),
            "switch_off": switch_off.Config(
                dataset="iris",
                fractions=(0.5, 1.0),
                n_folds=3,
                n_steps=8,
                mlp_hidden=50,
                mlp_max_iter=100,
                max_rows=120,
                n_jobs=1,
                margin=0.05,
                vs_mlp=False,
            ),
        },
    ),
    "cpu": Preset(seeds=(0, 1), studies={"compare": compare.Config(), "switch_off": switch_off.Config()}),
    "full": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={"compare": compare.Config(n_folds=10), "switch_off": switch_off.Config(n_folds=10)},
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("gradboost-nn", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
