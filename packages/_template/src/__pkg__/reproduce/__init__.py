"""``__dist__-reproduce``: the paper's central claim at small scale (presets quick | cpu | full).

Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the config of
each study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from __pkg__ import __version__
from __pkg__.reproduce import scale
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "scale": Study(scale.Config, scale.run, "placeholder: Scale is exact (replace with the paper's claim)"),
}

PRESETS = {
    "quick": Preset(seeds=(0, 1), studies={"scale": scale.Config(n=10)}),
    "cpu": Preset(seeds=(0, 1, 2), studies={"scale": scale.Config()}),
    "full": Preset(seeds=tuple(range(10)), studies={"scale": scale.Config(n=100_000)}),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("__dist__", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
