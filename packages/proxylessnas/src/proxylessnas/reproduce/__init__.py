"""``proxylessnas-reproduce``: the memory claim and a short latency-aware search at CPU scale (presets quick | cpu
| full). Needs the ``reproduce`` extra.

Studies: ``memory`` (saved-for-backward bytes and peak RSS in fresh processes, N in {2, 4, 6, 8, 10}) and
``search`` (latency-aware search on digits with a LUT measured on this CPU). The runner of ``paperzoo_shared`` owns
everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from proxylessnas import __version__
from proxylessnas.reproduce import memory, search

STUDIES = {
    "memory": Study(
        memory.Config,
        memory.run,
        "search memory stays at single-path level while DARTS grows linearly in the number of candidates",
        draw=memory.draw,
        requires=("sklearn", "matplotlib"),
    ),
    "search": Study(
        search.Config,
        search.run,
        "a latency-aware search on digits lowers measured CPU latency at small accuracy cost",
        requires=("sklearn", "fbnet"),
    ),
}

SEARCH_QUICK = search.Config(
    betas=(0.0, 1.0), n_seeds=1, warmup_epochs=1, search_epochs=2, batch_size=32, arch_every=2, darts_orders=(1,),
    retrain_epochs=1, lut_runs=3, lut_repeats=1, net_runs=3, n_random=2, sign_samples=2, search_subset=192,
)  # fmt: skip

PRESETS = {
    "quick": Preset(
        seeds=(0, 1),
        studies={
            "memory": memory.Config(
                ns=(2, 10), size=8, batch_size=16, gate_seeds=2, timing_steps=1, fresh_process=False
            ),
            "search": SEARCH_QUICK,
        },
        threads=1,
    ),
    "cpu": Preset(
        seeds=(0, 1, 2, 3, 4), studies={"memory": memory.Config(), "search": search.Config()}, threads=1
    ),
    "full": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={
            "memory": memory.Config(size=64, batch_size=128),
            "search": search.Config(warmup_epochs=10, search_epochs=60, retrain_epochs=60),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("proxylessnas", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
