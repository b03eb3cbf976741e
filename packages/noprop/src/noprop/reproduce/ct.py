"""Study ``ct``: NoProp-CT, one time-conditioned network with a learnable noise schedule, t ~ U[0, 1],
``n_steps`` inference steps (the paper's Table 1, at CPU scale). The training loss per epoch is stored
(``data["ct.curves"]``) and drawn by :func:`draw`.
"""

from __future__ import annotations

import dataclasses

from noprop.ct import NoPropCT
from noprop.embeddings import LabelEmbedding
from noprop.reproduce.common import Common, Split, _number, _positive_int, backprop_baseline, make_block
from noprop.reproduce.figures import draw_loss
from noprop.reproduce.single import fit_each_seed
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config(Common):
    STUDY = "ct"

    epochs: int = 100
    eta: float = 1.0  # weight of the SNR'-weighted denoising term
    n_steps: int = 50  # inference steps
    min_acc: float = 0.85  # pass: NoProp-CT mean accuracy >= min_acc

    def __post_init__(self) -> None:
        super().__post_init__()
        _positive_int("ct", "epochs", self.epochs)
        _positive_int("ct", "n_steps", self.n_steps)
        _number("ct", "eta", self.eta, low=0.0, open_low=True)
        _number("ct", "min_acc", self.min_acc, low=0.0, high=1.0 + 1e-9)


def run(cfg: Config, ctx: Context) -> None:
    def build(d: Split, emb: LabelEmbedding) -> NoPropCT:
        block = make_block(cfg, d.x_train_f, d.num_classes, emb.dim, time=True)
        return NoPropCT(
            block=block, num_classes=d.num_classes, embedding=emb, eta=cfg.eta, n_steps=cfg.n_steps
        )

    setting = f"NoProp-CT ({cfg.n_steps} inference steps)"
    ms = fit_each_seed(cfg, ctx, "ct", build, setting=setting, baseline=backprop_baseline(ctx.results))
    ctx.add_criterion(
        f"NoProp-CT mean accuracy >= {cfg.min_acc:.2f}", ms["mean"] >= cfg.min_acc, f"{ms['mean']:.4f}"
    )


def draw(ctx: Context) -> None:
    draw_loss(
        ctx,
        {"curves": "NoProp-CT"},
        "NoProp-CT",
        "NoProp-CT training loss per epoch, one thin line per seed and their mean.",
    )
