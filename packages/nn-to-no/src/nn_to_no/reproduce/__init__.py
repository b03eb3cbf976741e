"""``nn-to-no-reproduce``: trained at one resolution, correct at others? (the paper's Fig. 5 protocol at CPU scale).

Train at 32^2 on exact band-limited periodic operators from ``pde-data`` and evaluate at 16..128^2: a plain CNN
against its kernel-interpolation and input-output-interpolation conversions, a CNN built from integral-kernel layers,
and neuraloperator's FNO as reference. ``resolvent`` ((I - 0.01 Lap)^-1 f) decides the verdict; ``heat_square``
((exp(0.01 Lap) f)^2, nonlinear) is reported only.

Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the config of each
study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from nn_to_no import __version__
from nn_to_no.reproduce import invariance
from paperzoo_shared.runner import Preset, Study, run_cli

_REQ = ("pde_data", "neuralop")

STUDIES = {
    "resolvent": Study(
        invariance.Config,
        invariance.run,
        "train at 32^2, test at 16-128^2 on (I - 0.01 Lap)^-1 f: CNN vs converted CNNs vs FNO (decides the verdict)",
        draw=invariance.draw,
        requires=_REQ,
    ),
    "heat_square": Study(
        invariance.Config,
        invariance.run,
        "the same on the nonlinear (exp(0.01 Lap) f)^2 (reported only)",
        draw=invariance.draw,
        requires=_REQ,
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "resolvent": invariance.Config(
                n_train=128,
                n_test=8,
                epochs=6,
                lr=5e-3,
                width=8,
                fno_width=8,
                fno_modes=4,
                test_res=(16, 32, 64),
                judge_res=64,
                judge=False,
            )  # fmt: skip
        },
        threads=1,
    ),
    # the spec's protocol with the planner's note: seeds {0, 1}, 30 epochs, 100 test functions per resolution
    "cpu": Preset(seeds=(0, 1), studies={"resolvent": invariance.Config()}, threads=1),
    # operator (b), reported only (no criteria): the cpu protocol on the nonlinear (exp(0.01 Lap) f)^2
    "cpu-heat-square": Preset(
        seeds=(0, 1), studies={"heat_square": invariance.Config(kind="heat_square", judge=False)}, threads=1
    ),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "resolvent": invariance.Config(
                n_train=2000, n_test=200, epochs=100, test_res=(16, 32, 64, 128, 256)
            ),
            "heat_square": invariance.Config(
                kind="heat_square",
                n_train=2000,
                n_test=200,
                epochs=100,
                test_res=(32, 64, 128, 256),
                judge=False,
            ),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("nn-to-no", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
