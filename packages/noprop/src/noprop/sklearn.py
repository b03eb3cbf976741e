"""A scikit-learn estimator around NoProp (needs scikit-learn >= 1.6: ``pip install scikit-learn``; the
method itself does not, so it is not a dependency of ``noprop``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "noprop.sklearn (NoPropClassifier) needs scikit-learn >= 1.6, which noprop does not install: "
        "pip install 'scikit-learn>=1.6'"
    ) from err

from noprop.blocks import DenoiseBlockMLP, TimeBlockMLP
from noprop.ct import NoPropCT
from noprop.dt import NoPropDT
from noprop.embeddings import LabelEmbedding
from noprop.fm import NoPropFM

__all__ = ["NoPropClassifier"]

VARIANTS = ("dt", "ct", "fm")


class NoPropClassifier(ClassifierMixin, BaseEstimator):
    """NoProp on tabular features (``X`` of shape ``(n_samples, n_features)``) with MLP denoising blocks.

    ``variant`` is ``"dt"`` (T blocks, Algorithm 1), ``"ct"`` or ``"fm"`` (one time-conditioned network,
    ``n_steps`` inference steps). ``embedding`` is ``"onehot"``, ``"learned"`` (``embed_dim``, default the
    number of classes) or ``"prototype"`` (class medoids of the training inputs). ``eta`` defaults to the
    paper's 0.1 for DT and 1.0 for CT. Inputs are used as given (scale them as for any neural network).
    Training and inference are deterministic for a given ``random_state`` (the global torch RNG is not
    disturbed). Learned attributes: ``model_``, ``classes_``, ``n_features_in_``.
    """

    def __init__(
        self,
        variant: str = "dt",
        *,
        T: int = 10,
        hidden: int = 128,
        dropout: float = 0.0,
        embedding: str = "onehot",
        embed_dim: int | None = None,
        eta: float | None = None,
        epochs: int = 60,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-3,
        n_steps: int = 50,
        device: str = "cpu",
        random_state: int | None = None,
    ) -> None:
        self.variant = variant
        self.T = T
        self.hidden = hidden
        self.dropout = dropout
        self.embedding = embedding
        self.embed_dim = embed_dim
        self.eta = eta
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.n_steps = n_steps
        self.device = device
        self.random_state = random_state

    def _build(self, X: torch.Tensor, y: torch.Tensor, C: int) -> NoPropDT | NoPropCT | NoPropFM:
        F_in = X.shape[1]
        if self.embedding == "prototype":
            from noprop.embeddings import medoid_prototypes

            emb = LabelEmbedding(C, mode="prototype", prototypes=medoid_prototypes(X, y, C))
        elif self.embedding == "learned":
            emb = LabelEmbedding(C, mode="learned", dim=self.embed_dim or C)
        else:
            emb = LabelEmbedding(C, mode=self.embedding, dim=self.embed_dim)
        d = emb.dim
        if self.variant == "dt":
            return NoPropDT(
                num_classes=C,
                T=self.T,
                embedding=emb,
                eta=0.1 if self.eta is None else self.eta,
                block_factory=lambda: DenoiseBlockMLP(F_in, C, d, hidden=self.hidden, dropout=self.dropout),
            )
        block = TimeBlockMLP(
            F_in,
            C,
            d,
            hidden=self.hidden,
            dropout=self.dropout,
            out_features=d if self.variant == "fm" else None,
        )
        if self.variant == "ct":
            return NoPropCT(
                block=block,
                num_classes=C,
                embedding=emb,
                eta=1.0 if self.eta is None else self.eta,
                n_steps=self.n_steps,
            )
        return NoPropFM(block=block, num_classes=C, embedding=emb, n_steps=self.n_steps)

    def fit(self, X: Any, y: Any) -> NoPropClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y``; returns ``self``."""
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_min_samples=2)
        check_classification_targets(y)
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        yi = torch.as_tensor(enc.transform(y), dtype=torch.long)
        Xt = torch.as_tensor(X, dtype=torch.float32)
        C = len(self.classes_)
        seed = int(np.random.randint(0, 2**31 - 1)) if self.random_state is None else int(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = self._build(Xt, yi, C).to(self.device)
            if isinstance(model, NoPropDT):
                model.configure_optimizers(lr=self.lr, weight_decay=self.weight_decay)
                model.fit(Xt, yi, epochs=self.epochs, batch_size=self.batch_size, seed=seed)
            else:
                model.fit(
                    Xt,
                    yi,
                    epochs=self.epochs,
                    batch_size=self.batch_size,
                    lr=self.lr,
                    weight_decay=self.weight_decay,
                    seed=seed,
                )
        self.model_ = model.eval()
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """``p(y | z_T)`` after deterministic inference, shape ``(n_samples, n_classes)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        xt = torch.as_tensor(X, dtype=torch.float32, device=self.model_.device)
        out = [self.model_.predict_proba(xt[s : s + 4096]) for s in range(0, xt.shape[0], 4096)]
        return torch.cat(out).double().cpu().numpy() if out else np.zeros((0, len(self.classes_)))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]
