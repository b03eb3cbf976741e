"""dta-camouflage: DTA (CVPR 2022), physical camouflage attacks through a Differentiable Transformation Network.

A research tool for evaluating how robust a detector is to physically plausible texture changes: a toy
non-differentiable renderer, the DTN that learns its texture -> appearance transformation, the EOT attack
through it, and the baselines. The library imports torch and numpy only; the reproduction
(``dta_camouflage.reproduce``) needs the ``reproduce`` extra.
"""

from dta_camouflage.attack import AttackResult, CamouflageAttack, attack_loss, total_variation
from dta_camouflage.data import (
    EOTPool,
    SceneBatch,
    make_detector_dataset,
    make_dtn_dataset,
    natural_paints,
    random_texture,
    render_scenes,
    render_textured,
)
from dta_camouflage.detector import CarClassifier, check_scores, train_detector
from dta_camouflage.dtn import DTN, dtn_loss, masked_psnr, train_dtn
from dta_camouflage.evaluate import detection_rate, evaluate_texture, proxy_scores
from dta_camouflage.naive import NaiveRenderer, RatioRenderer
from dta_camouflage.projection import project_texture, repeat2d_projection
from dta_camouflage.render import (
    DEFAULT_RANGES,
    RenderResult,
    SceneParams,
    SceneRanges,
    ToyCarRenderer,
    sample_scene,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RANGES",
    "DTN",
    "AttackResult",
    "CamouflageAttack",
    "CarClassifier",
    "EOTPool",
    "NaiveRenderer",
    "RatioRenderer",
    "RenderResult",
    "SceneBatch",
    "SceneParams",
    "SceneRanges",
    "ToyCarRenderer",
    "__version__",
    "attack_loss",
    "check_scores",
    "detection_rate",
    "dtn_loss",
    "evaluate_texture",
    "make_detector_dataset",
    "make_dtn_dataset",
    "masked_psnr",
    "natural_paints",
    "project_texture",
    "proxy_scores",
    "random_texture",
    "render_scenes",
    "render_textured",
    "repeat2d_projection",
    "sample_scene",
    "total_variation",
    "train_detector",
    "train_dtn",
]
