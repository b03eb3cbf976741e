"""``tell-clustering-reproduce``: TELL's claims at small scale (presets quick | cpu | full).

Studies: ``shallow`` (k-means as a network vs scikit-learn's k-means), ``online`` (``partial_fit`` vs
MiniBatchKMeans) and ``deep`` (TELL on an autoencoder vs raw and two-stage k-means, decoded prototypes).
The runner of ``paperzoo_shared`` owns everything around the run (``--help`` lists its options).
"""

from __future__ import annotations

from collections.abc import Sequence

from paperzoo_shared.runner import Preset, Study, run_cli
from tell_clustering import __version__
from tell_clustering.reproduce import deep, online, shallow

STUDIES = {
    "shallow": Study(
        shallow.Config, shallow.run, "TELL without encoder matches k-means (Sec. 3)", requires=("sklearn",)
    ),
    "online": Study(
        online.Config, online.run, "online TELL (partial_fit) vs MiniBatchKMeans", requires=("sklearn",)
    ),
    "deep": Study(
        deep.Config,
        deep.run,
        "TELL on an autoencoder vs raw and two-stage k-means (Sec. 4)",
        draw=deep.draw,
        requires=("sklearn", "matplotlib"),
    ),
}

PRESETS = {
    "quick": Preset(
        seeds=(0, 1),
        studies={
            "shallow": shallow.Config(datasets=("iris", "blobs8"), epochs=20),
            "online": online.Config(datasets=("iris",), passes=(1,)),
            "deep": deep.Config(hidden=(32,), warmup_epochs=2, epochs=4, n_seeds=1, min_prototypes=0.0),
        },
        threads=1,
    ),
    "cpu": Preset(
        seeds=(0, 1, 2, 3, 4),
        studies={"shallow": shallow.Config(), "online": online.Config(), "deep": deep.Config()},
        threads=1,
    ),
    "full": Preset(
        seeds=tuple(range(10)),
        studies={
            "shallow": shallow.Config(),
            "online": online.Config(passes=(1, 4, 10)),
            "deep": deep.Config(hidden=(500, 500, 2000), warmup_epochs=50, epochs=500),
        },
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("tell-clustering", __version__, STUDIES, PRESETS, argv=argv, module_file=__file__)


if __name__ == "__main__":
    raise SystemExit(main())
