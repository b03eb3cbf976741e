"""Study ``torchdiffeq``: the trained digits fields (vanilla and ERNODE) solved by torchdiffeq's dopri5.

Does the NFE reduction transfer to another solver, or is it an artefact of our controller? The fields are the
digits study's (same training settings, the first ``n_seeds`` seeds, spec: 1); when that study did not train
them in this run, they are trained here. Both solvers use dopri5 with an I-controller at the training rtol.
Every seed's values are recorded; the table, the summary and the criterion use the first seed. Pass: ERNODE's
field needs <= ``transfer`` x the vanilla field's NFE under torchdiffeq.
"""

from __future__ import annotations

import dataclasses

from paperzoo_shared.runner import Context, threads
from regneuralde.reproduce import digits
from regneuralde.reproduce.training import (
    NAMES,
    TRAINED_DIGITS,
    compare_with_torchdiffeq,
    digits_key,
    digits_split,
    load_digits_model,
    run_jobs,
    train_digits,
)

KINDS = ("vanilla", "error")
COLUMNS = [
    "trained field (seed {seed})",
    "torchdiffeq dopri5 NFE",
    "our dopri5 NFE",
    "max |z_ours - z_torchdiffeq|",
    "our time per NFE / torchdiffeq's",
]


@dataclasses.dataclass(frozen=True)
class Config:
    epochs: int = 20  # training of the fields: as the digits study's
    rtol: float = 1e-7
    n_seeds: int = 1  # the first n_seeds seeds of the run
    workers: int = 2  # training processes, when the fields are not in this run already
    transfer: float = 0.85  # pass: ERNODE's torchdiffeq NFE <= transfer x vanilla's

    def __post_init__(self) -> None:
        for name in ("epochs", "n_seeds", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"torchdiffeq.{name} must be >= 1, got {getattr(self, name)}")
        if not self.rtol > 0:
            raise ValueError(f"torchdiffeq.rtol must be > 0, got {self.rtol}")
        if not 0 < self.transfer <= 1:
            raise ValueError(f"torchdiffeq.transfer must be in (0, 1], got {self.transfer}")


def run(cfg: Config, ctx: Context) -> None:
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    kwargs = digits.Config(epochs=cfg.epochs, rtol=cfg.rtol).train_kwargs()
    missing = [(k, s) for k in KINDS for s in seeds if digits_key(k, s, kwargs) not in TRAINED_DIGITS]
    with threads(1):
        if missing:
            jobs = [(train_digits, k, s, kwargs) for k, s in missing]
            for (k, s), r in zip(missing, run_jobs(jobs, cfg.workers, wrap=ctx.progress), strict=True):
                TRAINED_DIGITS[digits_key(k, s, kwargs)] = r["state"]
        X_test = digits_split()[2]
        out = {
            (k, s): compare_with_torchdiffeq(
                load_digits_model(k, cfg.rtol, TRAINED_DIGITS[digits_key(k, s, kwargs)]), X_test, cfg.rtol
            )
            for s in seeds
            for k in KINDS
        }
    for s in seeds:
        ctx.add_seed(s, {f"{k}.{m}": v for k in KINDS for m, v in out[k, s].items()})
    first = seeds[0]
    rows = []
    for k in KINDS:
        cmp = out[k, first]
        for m, v in cmp.items():
            ctx.set_summary(f"{k}.{m}", v)
        ratio = f"{cmp['ours_s_per_nfe'] / cmp['torchdiffeq_s_per_nfe']:.2f}x"
        rows.append([NAMES[k], cmp["torchdiffeq_nfe"], cmp["ours_nfe"], cmp["max_abs_diff"], ratio])
    ctx.add_table("torchdiffeq", [COLUMNS[0].format(seed=first), *COLUMNS[1:]], rows)
    td_v, td_e = out["vanilla", first]["torchdiffeq_nfe"], out["error", first]["torchdiffeq_nfe"]
    ctx.add_criterion(
        f"NFE reduction transfers to torchdiffeq (>= {100 * (1 - cfg.transfer):.0f}% fewer)",
        td_e <= cfg.transfer * td_v,
        f"{td_e} vs {td_v}",
    )
