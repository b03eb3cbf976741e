"""Study ``fm``: NoProp-FM, flow matching of the label embedding with one time-conditioned network,
``n_steps`` Euler steps at inference (the paper's Table 1, at CPU scale; no pass criterion). The training
loss per epoch is stored (``data["fm.curves"]``) and drawn by :func:`draw`.
"""

from __future__ import annotations

import dataclasses

from noprop.embeddings import LabelEmbedding
from noprop.fm import NoPropFM
from noprop.reproduce.common import Common, Split, _positive_int, make_block
from noprop.reproduce.figures import draw_loss
from noprop.reproduce.single import fit_each_seed
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config(Common):
    STUDY = "fm"

    epochs: int = 100
    n_steps: int = 50  # Euler steps at inference

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive_int("fm", "epochs", self.epochs)
        _positive_int("fm", "n_steps", self.n_steps)


def run(cfg: Config, ctx: Context) -> None:
    def build(d: Split, emb: LabelEmbedding) -> NoPropFM:
        block = make_block(cfg, d.x_train_f, d.num_classes, emb.dim, time=True, out=emb.dim)
        return NoPropFM(block=block, num_classes=d.num_classes, embedding=emb, n_steps=cfg.n_steps)

    fit_each_seed(cfg, ctx, "fm", build, setting=f"NoProp-FM ({cfg.n_steps} Euler steps)")


def draw(ctx: Context) -> None:
    draw_loss(
        ctx,
        {"curves": "NoProp-FM"},
        "NoProp-FM",
        "NoProp-FM training loss per epoch (flow matching + cross-entropy), one thin line per seed and their mean.",
    )
