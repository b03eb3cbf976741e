"""``deeponet-reproduce``: DeepONet generalises far better than a fully connected network on [u, y] (the paper's
Sec. 3.1 antiderivative and nonlinear-ODE operators; the FNN is tuned over a grid of depth, width and learning
rate on a validation split, and the paper code's untuned FNN is reported beside it), on data from ``pde-data``; the ``cpu`` and ``full``
presets add the test error against the number of training functions for diffusion-reaction (Sec. 3.3).

Each study is one module with a frozen config and ``run(cfg, ctx)`` (and ``draw(ctx)`` for its figure); a preset
is the seeds and the config of each study. The runner of ``paperzoo_shared`` owns everything around the run
(``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from deeponet import __version__
from deeponet.reproduce import antiderivative, diffusion_reaction, nonlinear_ode
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "antiderivative": Study(
        antiderivative.Config,
        antiderivative.run,
        "DeepONet vs FNN on the antiderivative operator (Sec. 3.1)",
        draw=antiderivative.draw,
    ),
    "nonlinear_ode": Study(
        nonlinear_ode.Config,
        nonlinear_ode.run,
        "DeepONet vs FNN on ds/dx = -s^2 + u (Sec. 3.1)",
        draw=nonlinear_ode.draw,
    ),
    "diffusion_reaction": Study(
        diffusion_reaction.Config,
        diffusion_reaction.run,
        "DeepONet's test error against the number of training functions (Sec. 3.3)",
        draw=diffusion_reaction.draw,
    ),
}

FULL_FNN_WIDTHS = (10, 40, 100, 160, 640, 2560)

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            # a small FNN grid (it contains the untuned configuration) exercises the tuning path cheaply
            "antiderivative": antiderivative.Config(
                n_train_functions=200,
                n_test_functions=200,
                iterations=600,
                fnn_depths=(2, 3),
                fnn_widths=(20, 100),
                fnn_lrs=(1e-3, 1e-2),
                tune_iterations=60,
            ),
            "nonlinear_ode": nonlinear_ode.Config(
                n_train_functions=200,
                n_test_functions=200,
                iterations=300,
                fnn_depths=(2, 3),
                fnn_widths=(20, 100),
                fnn_lrs=(1e-3, 1e-2),
                tune_iterations=30,
            ),
        },
    ),
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "antiderivative": antiderivative.Config(),
            "nonlinear_ode": nonlinear_ode.Config(),
            "diffusion_reaction": diffusion_reaction.Config(),
        },
    ),
    "full": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={
            # the FNN grid over the paper's ranges (depth 2-4, width 10-2560, lr 1e-4-1e-2), 10% of the budget each
            "antiderivative": antiderivative.Config(
                n_test_functions=10_000,
                iterations=50_000,
                fnn_widths=FULL_FNN_WIDTHS,
                tune_iterations=5000,
            ),
            "nonlinear_ode": nonlinear_ode.Config(
                n_test_functions=10_000,
                iterations=50_000,
                fnn_widths=FULL_FNN_WIDTHS,
                tune_iterations=5000,
            ),
            "diffusion_reaction": diffusion_reaction.Config(
                train_sizes=(10, 30, 100, 300, 1000, 3000, 10_000), iterations=50_000
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("deeponet", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
