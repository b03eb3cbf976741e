"""``regneuralde-reproduce``: do ERNODE / SRNODE teach neural ODEs dynamics that the adaptive solver integrates
with fewer steps, at similar accuracy and training cost? (presets quick | cpu | full)

Studies: ``spiral`` (the spiral ODE), ``digits`` (a neural-ODE classifier on digits), ``torchdiffeq`` (the
trained digits fields under torchdiffeq's solver), ``sanity`` (an analytic check of the regulariser's
gradient). Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the
config of each study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its
options). The experiments run in float64 on the CPU, one thread per training process.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from regneuralde import __version__
from regneuralde.reproduce import digits, sanity, spiral, torchdiffeq_check

STUDIES = {
    "spiral": Study(
        spiral.Config,
        spiral.run,
        "spiral ODE: NFE, MSE and training time of ERNODE/SRNODE vs vanilla",
        spiral.draw,
    ),
    "digits": Study(
        digits.Config,
        digits.run,
        "neural-ODE classifier on digits: test-set NFE, accuracy and training time vs vanilla",
        digits.draw,
    ),
    "torchdiffeq": Study(
        torchdiffeq_check.Config,
        torchdiffeq_check.run,
        "the trained digits fields under torchdiffeq's dopri5: does the NFE reduction transfer?",
        requires=("torchdiffeq",),
    ),
    "sanity": Study(
        sanity.Config, sanity.run, "z' = lam z on R_E alone: |lam| and the NFE must fall", sanity.draw
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "spiral": spiral.Config(iters=15, workers=1),
            "digits": digits.Config(epochs=2, n_seeds=1, workers=1),
            "torchdiffeq": torchdiffeq_check.Config(epochs=2, workers=1),
            "sanity": sanity.Config(iters=10),
        },
    ),
    # one training process per core of the 2-core reference machine
    "cpu": Preset(
        seeds=(0, 1, 2),
        studies={
            "spiral": spiral.Config(),
            "digits": digits.Config(),
            "torchdiffeq": torchdiffeq_check.Config(),
            "sanity": sanity.Config(),
        },
    ),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "spiral": spiral.Config(),
            "digits": digits.Config(n_seeds=3),
            "torchdiffeq": torchdiffeq_check.Config(),
            "sanity": sanity.Config(),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("regneuralde", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
