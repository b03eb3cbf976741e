"""``transferability-reproduce``: the paper's transfer curves at CPU scale (presets quick | cpu | full).

Studies: ``mlp`` (Fig. 2 protocol on digits with an MLP, lr searched per treatment kind, random control and a
logistic probe), ``cnn`` (the same protocol with a small CNN), ``lowdata`` (the AnB+
generalisation boost with 20 target images per class). The runner of ``paperzoo_shared`` owns the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from transferability import __version__
from transferability.reproduce import digits, lowdata

STUDIES = {
    "mlp": Study(
        digits.Config, digits.run, "Fig. 2 protocol, digits 5/5, MLP (L = 5)", digits.draw, ("sklearn",)
    ),
    "cnn": Study(
        digits.Config, digits.run, "Fig. 2 protocol, digits 5/5, small CNN (L = 5)", digits.draw, ("sklearn",)
    ),
    "lowdata": Study(
        lowdata.Config,
        lowdata.run,
        "AnB+ vs baseB with 20 target images per class",
        lowdata.draw,
        ("sklearn",),
    ),
}

QUICK = dict(epochs=3, lrs=(1e-3,), n_jobs=1)
PRESETS = {
    "quick": Preset(
        seeds=(0,),
        studies={
            "mlp": digits.Config(**QUICK, tune_n=(4,), treatments=("AnB", "AnB+"), probe=False),  # type: ignore[arg-type]
            "lowdata": lowdata.Config(**QUICK, tune_n=(4,)),  # type: ignore[arg-type]
        },
        threads=1,
    ),
    # cpu: the spec's protocol (5 splits x 2 directions, lr searched per treatment kind, random control, probe)
    # at the spec's 100 epochs per net, for the MLP and (issue #28's acceptance) the small CNN alike. A first cpu
    # run at 30 epochs (cut for time before any result was seen) gave the same verdict and was replaced by this
    # protocol; the CNN joined the cpu preset later with the MLP's protocol unchanged (README, "Runs").
    "cpu": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={"mlp": digits.Config(), "cnn": digits.Config(model="cnn"), "lowdata": lowdata.Config()},
        threads=1,
    ),
    "full": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={
            "mlp": digits.Config(),
            "lowdata": lowdata.Config(),
            "cnn": digits.Config(model="cnn"),
        },
        threads=1,
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("transferability", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
