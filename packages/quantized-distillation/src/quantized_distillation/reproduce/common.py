"""Data, models and the training arms shared by the studies (CPU scale).

Tasks: scikit-learn's ``digits`` (8x8 images as 64 features) and the spec's harder synthetic task,
``make_classification(n_samples=20000, n_features=40, n_informative=20, n_classes=10, n_clusters_per_class=3,
class_sep=1.0)``. Each is split once (``data_seed``): 30 % test (stratified), and 20 % of the rest held out
as the validation split on which every arm picks its learning rate; models train on the remaining 80 %.
Features are standardised with the training part's statistics. Seeds change the initialisation and the
minibatch order only.

Arms (all students have the same architecture, all use SGD with Nesterov momentum 0.9 and the official
weight decay 2.2e-4, and the same epochs and batch size):

* ``fp``: full-precision student on the labels; ``fp_kd``: full-precision student distilled from the teacher
  (T = 2, alpha = 0.7);
* ``ptq{b}``: the ``fp`` student of the same seed quantized after training (uniform, bucket 256);
* ``qat{b}``: quantized training on the labels alone (straight-through, no teacher);
* ``qd{b}``: quantized distillation (straight-through, distillation loss).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

import quantized_distillation as qd

TRAINED_ARMS = ("fp", "fp_kd", "qat", "qd")


@dataclasses.dataclass
class Split:
    x_fit: torch.Tensor
    y_fit: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_features: int
    n_classes: int


def load_task(task: str, *, n_samples: int, data_seed: int, device: Any) -> Split:
    """The task's fixed fit / validation / test split as float32 tensors on ``device``."""
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split

    if task == "digits":
        X, y = load_digits(return_X_y=True)
    elif task == "synthetic":
        X, y = make_classification(
            n_samples=n_samples,
            n_features=40,
            n_informative=20,
            n_classes=10,
            n_clusters_per_class=3,
            class_sep=1.0,
            random_state=data_seed,
        )
    else:
        raise ValueError(f"task must be 'digits' or 'synthetic', got {task!r}")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=data_seed)
    X_fit, X_val, y_fit, y_val = train_test_split(
        X_tr, y_tr, test_size=0.2, stratify=y_tr, random_state=data_seed
    )
    mu, sd = X_fit.mean(0), X_fit.std(0)
    sd = np.where(sd > 0, sd, 1.0)

    def f(a: np.ndarray) -> torch.Tensor:
        return torch.tensor((a - mu) / sd, dtype=torch.float32, device=device)

    def g(a: np.ndarray) -> torch.Tensor:
        return torch.tensor(a, dtype=torch.long, device=device)

    return Split(f(X_fit), g(y_fit), f(X_val), g(y_val), f(X_te), g(y_te), X.shape[1], int(y.max()) + 1)


def mlp(n_in: int, hidden: tuple[int, ...], n_out: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    d = n_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]
        d = h
    return nn.Sequential(*layers, nn.Linear(d, n_out))


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return float((model(x).argmax(1) == y).float().mean())


def train_teacher(cfg: Any, data: Split, device: Any) -> tuple[nn.Module, torch.Tensor]:
    """The teacher (trained once per study, seed ``teacher_seed``) and its logits on the fit split."""
    torch.manual_seed(cfg.teacher_seed)
    teacher = mlp(data.n_features, cfg.teacher_hidden, data.n_classes).to(device)
    qd.fit_quantized_distillation(
        teacher,
        data.x_fit,
        data.y_fit,
        epochs=cfg.teacher_epochs,
        batch_size=cfg.batch_size,
        lr=cfg.teacher_lr,
        seed=cfg.teacher_seed,
    )
    teacher.eval()
    with torch.no_grad():
        logits = teacher(data.x_fit)
    return teacher, logits


def train_arm(
    cfg: Any,
    data: Split,
    arm: str,
    bits: int | None,
    lr: float,
    seed: int,
    t_logits: torch.Tensor,
    device: Any,
) -> nn.Module:
    """One trained student: ``arm`` in ``fp | fp_kd | qat | qd`` (``bits`` for ``qat``/``qd``)."""
    if arm not in TRAINED_ARMS:
        raise ValueError(f"arm must be one of {TRAINED_ARMS}, got {arm!r}")
    torch.manual_seed(seed)
    student = mlp(data.n_features, cfg.student_hidden, data.n_classes).to(device)
    if arm in ("qat", "qd"):
        assert bits is not None
        qd.quantize_model_(student, bits=bits, bucket_size=cfg.bucket_size)
    teacher = t_logits if arm in ("fp_kd", "qd") else None
    qd.fit_quantized_distillation(
        student,
        data.x_fit,
        data.y_fit,
        teacher=teacher,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=lr,
        temperature=cfg.temperature,
        alpha=cfg.alpha,
        seed=seed,
    )
    return student


def post_training_quantized(model: nn.Module, bits: int, bucket_size: int | None) -> nn.Module:
    """A quantized copy of a trained full-precision model (uniform PTQ)."""
    q = copy.deepcopy(model)
    qd.quantize_model_(q, bits=bits, bucket_size=bucket_size)
    q.eval()
    return q


def learned_points_model(
    cfg: Any, data: Split, fp_model: nn.Module, lr: float | None, seed: int, t_logits: torch.Tensor
) -> nn.Module:
    """Differentiable quantization of a copy of ``fp_model`` at ``cfg.dq_bits`` (``lr=None``: the initial
    quantile points, not learned)."""
    m = copy.deepcopy(fp_model)
    if lr is None:
        qd.learn_points_(m, bits=cfg.dq_bits, bucket_size=cfg.bucket_size, init="quantiles")
    else:
        qd.fit_quantization_points(
            m,
            data.x_fit,
            data.y_fit,
            teacher=t_logits,
            bits=cfg.dq_bits,
            bucket_size=cfg.bucket_size,
            epochs=cfg.dq_epochs,
            batch_size=cfg.batch_size,
            lr=lr,
            temperature=cfg.temperature,
            alpha=cfg.alpha,
            seed=seed,
        )
    m.eval()
    return m


def points_of(model: nn.Module) -> dict[str, list[float]]:
    return {
        name: [round(v, 5) for v in p.points.detach().cpu().tolist()]
        for name, _, p in qd.quantized_parameters(model)
        if isinstance(p, qd.LearnedPoints)
    }
