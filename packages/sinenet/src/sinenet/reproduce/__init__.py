"""``sinenet-reproduce``: SineNet vs a matched U-Net on periodic advection (presets quick | cpu | full).

Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the config of
each study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
The ``cpu`` preset is long (about 45 to 70 minutes on 2 cores: U-Net and SineNet-4, 2 seeds, 30 epochs). It runs
with one torch thread: on 2 shared cores two threads were measured 15 to 50 times slower per step.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from sinenet import __version__
from sinenet.reproduce import advection

STUDIES = {
    "advection": Study(
        advection.Config,
        advection.run,
        "SineNet-4 beats a matched U-Net on periodic advection (one-step and rollout)",
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={"advection": advection.Config(n_traj=40, n_train=32, epochs=2, n_misalign=8, waves=(2,))},
        threads=1,
    ),
    "cpu": Preset(seeds=(0, 1), studies={"advection": advection.Config()}, threads=1),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={"advection": advection.Config(waves=(2, 4), zero_padding_arm=True, epochs=50)},
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("sinenet", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
