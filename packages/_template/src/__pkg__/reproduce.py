"""``__dist__-reproduce``: the paper's central claim at small scale (presets quick | cpu | full)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch

from __pkg__ import __version__
from __pkg__.core import Scale
from paperzoo_shared import ResultsFile, mean_std, progress, seed_everything
from paperzoo_shared.cli import reproduce_cli


@dataclasses.dataclass
class Config:
    n: int = 100
    seeds: tuple[int, ...] = (0, 1, 2)


PRESETS = {"quick": Config(n=10), "cpu": Config(n=1000), "full": Config(n=100_000)}


def run(config: Config, *, seeds: Sequence[int], device: torch.device) -> ResultsFile:
    res = ResultsFile(package="__dist__", version=__version__, preset="", config={}, seeds=list(seeds))
    values = []
    for seed in progress(seeds, desc="seeds"):
        seed_everything(seed)
        x = torch.randn(config.n, device=device)
        err = (Scale(factor=2.0)(x) - 2 * x).abs().max().item()
        res.per_seed.append({"seed": seed, "metrics": {"max_error": err}})
        values.append(err)
    res.summary["max_error"] = mean_std(values)
    res.add_row("placeholder", "max error", res.summary["max_error"], paper=None, baseline=None)
    res.add_criterion("max error == 0", max(values) == 0.0, f"max {max(values)}")
    return res


def main(argv: Sequence[str] | None = None) -> int:
    reproduce_cli(PRESETS, run, prog="__dist__-reproduce", argv=argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
