"""``wide-deep-ntk-reproduce``: the paper's taxonomy and consistency claims at CPU scale (presets quick | cpu |
full).

Studies (one module each, a frozen config and ``run(cfg, ctx)``): ``singular`` (consistent activations vs the
Hilbert classifier, 1-NN, k-NN and Bayes; agreement with the infinite-depth limit), ``nearest`` (hermite_2 ->
1-NN), ``majority`` (mv_cubic -> majority vote), ``relu_depth`` (ReLU NTK drifts to majority with depth),
``consistency`` (Bayes gap vs n, report only) and ``real_data`` (scikit-learn sets, qualitative). The runner of
``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from wide_deep_ntk import __version__
from wide_deep_ntk.reproduce import consistency, majority, nearest, real_data, relu_depth, singular

__all__ = ["PRESETS", "STUDIES", "main"]

STUDIES = {
    "singular": Study(
        singular.Config, singular.run, "consistent activations at depth 100 vs Hilbert, 1-NN, k-NN, Bayes"
    ),
    "nearest": Study(nearest.Config, nearest.run, "hermite_2: the deep network becomes 1-NN"),
    "majority": Study(majority.Config, majority.run, "mv_cubic: the deep network becomes majority vote"),
    "relu_depth": Study(relu_depth.Config, relu_depth.run, "ReLU NTK drifts to majority vote with depth"),
    "consistency": Study(
        consistency.Config, consistency.run, "Bayes gap vs training size (report only)", consistency.draw
    ),
    "real_data": Study(real_data.Config, real_data.run, "scikit-learn datasets (qualitative)"),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "singular": singular.Config(
                dims=(2,), n_train=200, n_test=400, depth=30, hilbert_tol=0.05, nn_margin=0.0
            ),
            "nearest": nearest.Config(n_test=400, depths=(30,), agree_min=0.98),
            "majority": majority.Config(n_train=200, n_test=400, depths=(100,), frac_min=0.98),
            "relu_depth": relu_depth.Config(n_test=200, depths=(10, 100), final_min=0.5),
            "consistency": consistency.Config(n_trains=(100, 200), n_test=400, depth=30),
            "real_data": real_data.Config(datasets=("iris",), depth=30, dims=(3,)),
        },
        threads=1,
    ),
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "singular": singular.Config(),
            "nearest": nearest.Config(),
            "majority": majority.Config(),
            "relu_depth": relu_depth.Config(),
            "consistency": consistency.Config(),
            "real_data": real_data.Config(),
        },
        threads=1,
    ),
    "full": Preset(
        seeds=tuple(range(5)),
        studies={
            "singular": singular.Config(dims=(2, 3, 5, 9), n_train=10_000, n_test=10_000),
            "nearest": nearest.Config(n_train=1000, n_test=10_000, depths=(20, 25, 30, 40)),
            "majority": majority.Config(n_train=10_000, n_test=10_000),
            "relu_depth": relu_depth.Config(
                n_train=1000, n_test=10_000, depths=(10, 100, 1000, 10_000, 50_000), n_seeds=None
            ),
            "consistency": consistency.Config(n_trains=(250, 500, 1000, 2000, 4000, 8000), n_test=10_000),
            "real_data": real_data.Config(n_seeds=None),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("wide-deep-ntk", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
