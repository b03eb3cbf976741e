"""``mgno-reproduce``: MgNO against neuraloperator's FNO and a U-Net on Darcy flow (study ``darcy``, the paper's
Table 1 at CPU scale). Presets quick | cpu | full.

The study is one module with a frozen config and ``run(cfg, ctx)``; the runner of ``paperzoo_shared`` owns
everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from mgno import __version__
from mgno.reproduce import darcy
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "darcy": Study(
        darcy.Config,
        darcy.run,
        "Darcy flow: MgNO vs FNO (neuraloperator) vs U-Net at matched parameters (Table 1, CPU scale)",
        draw=darcy.draw,
        requires=("pde_data", "neuralop"),
    ),
}

PRESETS = {
    # seconds: a 17x17 grid, 32 training samples, 2 epochs, small models (checks that everything runs)
    "quick": Preset(
        seeds=(0,),
        studies={
            "darcy": darcy.Config(
                size=33,
                n_train=32,
                n_val=8,
                n_test=8,
                epochs=2,
                width=4,
                fno_modes=6,
                fno_hidden=4,
                unet_widths=(4, 8, 16),
            )
        },
    ),
    # the spec's protocol (Planner's note): 33x33, 600/100/100, 45 epochs, seeds 0 and 1
    "cpu": Preset(seeds=(0, 1), studies={"darcy": darcy.Config()}),
    # GPU scale: the paper's MgNO_DC_smooth setting at 211x211 (421 subsampled by 2), width 24, 5 layers,
    # 6 levels, 1000/100/100, batch 8, lr 5e-4, 500 epochs; FNO with 12 modes and width 32
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "darcy": darcy.Config(
                size=421,
                subsample=2,
                n_train=1000,
                n_val=100,
                n_test=100,
                width=24,
                n_layers=5,
                levels=((1, 0), (1, 0), (1, 0), (1, 0), (1, 0), (2, 0)),
                fno_hidden=32,
                unet_widths=(32, 64, 128, 256),
                epochs=500,
                batch_size=8,
                lr=5e-4,
            )
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("mgno", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
