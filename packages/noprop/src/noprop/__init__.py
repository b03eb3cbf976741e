"""noprop: NoProp (Li, Teh & Pascanu, 2025), training each block to denoise a noisy label embedding,
with no gradient flowing between blocks (arXiv:2503.24322).

Variants: :class:`NoPropDT` (discrete time), :class:`NoPropCT` (continuous time, learnable schedule),
:class:`NoPropFM` (flow matching); label embeddings :class:`LabelEmbedding` (one-hot, learned, prototype);
denoising blocks (MLP and the paper's CNN); back-prop baselines (one block trained end to end, a plain MLP,
the chain of T blocks trained end to end); a scikit-learn estimator :class:`NoPropClassifier`
(``noprop.sklearn``, needs scikit-learn, which ``noprop`` does not install). The reproduction
(``noprop-reproduce``) lives in :mod:`noprop.reproduce` (``noprop[reproduce]``).
"""

from noprop.baselines import BackpropClassifier, BackpropMLP, EndToEndChain, SingleBlockNet
from noprop.blocks import DenoiseBlockCNN, DenoiseBlockMLP, TimeBlockCNN, TimeBlockMLP, sinusoidal_embedding
from noprop.ct import NoPropCT
from noprop.dt import NoPropDT, block_seed
from noprop.embeddings import LabelEmbedding, gaussian_kl_to_standard, medoid_prototypes
from noprop.fm import NoPropFM
from noprop.memory import TrainingMemory, training_step_memory
from noprop.schedules import DiscreteSchedule, LearnableSchedule, cosine_alpha_bar, posterior_coefficients

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: scikit-learn is an optional dependency
    if name == "NoPropClassifier":
        from noprop.sklearn import NoPropClassifier

        return NoPropClassifier
    raise AttributeError(f"module 'noprop' has no attribute {name!r}")


__all__ = [
    "BackpropClassifier",
    "BackpropMLP",
    "DenoiseBlockCNN",
    "DenoiseBlockMLP",
    "DiscreteSchedule",
    "EndToEndChain",
    "LabelEmbedding",
    "LearnableSchedule",
    "NoPropCT",
    "NoPropDT",
    "NoPropFM",
    "SingleBlockNet",
    "TimeBlockCNN",
    "TimeBlockMLP",
    "TrainingMemory",
    "__version__",
    "block_seed",
    "cosine_alpha_bar",
    "gaussian_kl_to_standard",
    "medoid_prototypes",
    "posterior_coefficients",
    "sinusoidal_embedding",
    "training_step_memory",
]
