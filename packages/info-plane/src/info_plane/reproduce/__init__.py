"""``info-plane-reproduce``: the 12-bit experiment of Shwartz-Ziv & Tishby (2017), tanh against ReLU (Saxe et al.
2018), at small scale (presets quick | cpu | full).

Each study is one module with a frozen config and ``run(cfg, ctx)``; the runner of ``paperzoo_shared`` owns
everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from info_plane import __version__
from info_plane.reproduce import ib12
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "ib12": Study(
        ib12.Config,
        ib12.run,
        "12-bit task, tanh vs ReLU: information plane, compression phase, gradient SNR (Fig. 3, 4; Saxe Fig. 1)",
        draw=ib12.draw,
        requires=("matplotlib",),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0, 1),
        studies={
            "ib12": ib12.Config(epochs=200, n_points=50, window=(30, 80), kde_epochs=1, kde_seeds=1),
        },
        threads=1,
    ),
    "cpu": Preset(seeds=(0, 1, 2, 3, 4), studies={"ib12": ib12.Config()}, threads=1),
    "full": Preset(
        seeds=tuple(range(50)),
        studies={"ib12": ib12.Config(epochs=10_000, n_points=400, kde_epochs=20, kde_seeds=10)},
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("info-plane", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
