"""``fbnet-reproduce``: the latency-aware search at CPU scale (presets quick | cpu | full).

Each study is one module with a frozen config and ``run(cfg, ctx)``; a preset is the seeds and the config of
each study. The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from fbnet import __version__
from fbnet.reproduce import latency_search
from paperzoo_shared.runner import Preset, Study, run_cli

STUDIES = {
    "latency_search": Study(
        latency_search.Config,
        latency_search.run,
        "the latency-aware loss lowers measured CPU latency at small accuracy cost; the LUT ranks real latency",
    ),
}

QUICK = latency_search.Config(
    betas=(0.0, 1.5), search_epochs=2, warmup_epochs=1, retrain_epochs=2, lut_runs=5, lut_repeats=1,
    net_runs=5, n_rank_archs=5, n_random_retrain=2, darts_baseline=True, search_subset=256,
)  # fmt: skip

PRESETS = {
    "quick": Preset(seeds=(0,), studies={"latency_search": QUICK}, threads=1),
    "cpu": Preset(seeds=(0, 1, 2), studies={"latency_search": latency_search.Config()}, threads=1),
    "full": Preset(
        seeds=(0, 1, 2),
        studies={
            "latency_search": latency_search.Config(search_epochs=90, warmup_epochs=10, retrain_epochs=100)
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fbnet", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
