"""``quantized-distillation-reproduce``: low-bit students by quantized distillation and differentiable
quantization at small scale (presets quick | cpu | full).

Studies: ``synthetic`` (the verdict task: the spec's harder ``make_classification`` task, a 3x512 teacher and a
40-32-10 student) and ``digits`` (reported rows: a 64-512-512-10 teacher and a 64-16-10 student). Both run every
arm with the same protocol (:mod:`quantized_distillation.reproduce.compress`). The runner of
``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from quantized_distillation import __version__
from quantized_distillation.reproduce import compress

STUDIES = {
    "synthetic": Study(
        compress.Config,
        compress.run,
        "harder synthetic task: QD vs QAT / PTQ / FP at 2 and 4 bits, learned points vs PTQ (the verdict)",
        draw=compress.draw,
        requires=("sklearn",),
    ),
    "digits": Study(
        compress.Config,
        compress.run,
        "digits: the same arms, reported (the teacher barely beats the FP student there)",
        draw=compress.draw,
        requires=("sklearn",),
    ),
}

DIGITS = compress.Config(
    task="digits",
    teacher_hidden=(512, 512),
    student_hidden=(16,),
    epochs=30,
    batch_size=64,
    decides=False,
    workers=2,
)

# quick: a smoke run on digits (a small teacher, one lr, one tuning seed, few epochs, loose thresholds)
QUICK = compress.Config(
    task="digits",
    teacher_hidden=(128,),
    teacher_epochs=15,
    student_hidden=(16,),
    epochs=15,
    batch_size=64,
    lr_grid=(0.05,),
    tuning_seeds=(100,),
    dq_epochs=3,
    dq_lr_grid=(1e-3,),
    se_factor=-10.0,  # smoke thresholds: the quick run is never a verdict
    dq_margin=-0.1,
)

PRESETS = {
    "quick": Preset(seeds=(0, 1), studies={"digits": QUICK}, threads=1),
    "cpu": Preset(
        seeds=tuple(range(8)), studies={"synthetic": compress.Config(workers=4), "digits": DIGITS}, threads=1
    ),
    "full": Preset(
        seeds=tuple(range(8)),
        studies={
            "synthetic": compress.Config(
                n_samples=200_000,
                teacher_hidden=(1024,) * 3,
                teacher_epochs=60,
                student_hidden=(64,),
                epochs=60,
                dq_epochs=50,
            ),
            "digits": DIGITS,
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("quantized-distillation", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
