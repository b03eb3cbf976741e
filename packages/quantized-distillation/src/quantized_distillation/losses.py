"""The distillation loss (Hinton et al. 2015) as used by quantized distillation (Polino et al. 2018, Sec. 2.1).

``L = alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(z_s, y)``

with the paper's code defaults ``alpha = 0.7`` (the official ``weight_teacher_loss``) and ``T = 2``. The
KL term is averaged over the batch (``reduction="batchmean"``); the official code used the legacy
``nn.KLDivLoss()`` default, which also divides by the number of classes: ``kl_reduction="official"``
reproduces that scaling.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

KL_REDUCTIONS = ("batchmean", "official")


def _check(temperature: float, alpha: float, kl_reduction: str) -> None:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not 0 < temperature < float("inf")
    ):
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    if kl_reduction not in KL_REDUCTIONS:
        raise ValueError(f"kl_reduction must be one of {KL_REDUCTIONS}, got {kl_reduction!r}")


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor | None,
    target: torch.Tensor | None = None,
    *,
    temperature: float = 2.0,
    alpha: float = 0.7,
    kl_reduction: str = "batchmean",
) -> torch.Tensor:
    """Distillation loss ``alpha T^2 KL(p_t^T || p_s^T) + (1 - alpha) CE(z_s, y)`` (Sec. 2.1).

    Args:
        student_logits: ``(N, K)`` student logits.
        teacher_logits: ``(N, K)`` teacher logits (detached); None only when ``alpha == 0``.
        target: ``(N,)`` class indices; None only when ``alpha == 1``.
        temperature: softmax temperature T > 0 (default 2, the paper's scripts).
        alpha: weight of the soft (teacher) term in ``[0, 1]`` (default 0.7, the official code's).
        kl_reduction: ``"batchmean"`` (default, the KL divergence per sample) or ``"official"`` (the legacy
            ``KLDivLoss`` mean over batch and classes, i.e. divided by K as well).

    Returns:
        The scalar loss.
    """
    _check(temperature, alpha, kl_reduction)
    if not isinstance(student_logits, torch.Tensor) or not student_logits.is_floating_point():
        got = (
            f"dtype {student_logits.dtype}"
            if isinstance(student_logits, torch.Tensor)
            else type(student_logits)
        )
        raise TypeError(f"student_logits must be a floating torch.Tensor (N, K), got {got}")
    if student_logits.dim() != 2:
        raise ValueError(f"student_logits must be (N, K), got shape {tuple(student_logits.shape)}")
    if student_logits.shape[0] == 0:
        raise ValueError("student_logits is an empty batch (N = 0): the mean loss is undefined")
    loss = student_logits.new_zeros(())
    if alpha > 0:
        if teacher_logits is None:
            raise ValueError("teacher_logits is None but alpha > 0 needs the teacher")
        if not isinstance(teacher_logits, torch.Tensor):
            raise TypeError(
                f"teacher_logits must be a torch.Tensor (N, K), got {type(teacher_logits).__name__}"
            )
        if teacher_logits.shape != student_logits.shape:
            raise ValueError(
                f"teacher_logits {tuple(teacher_logits.shape)} and student_logits "
                f"{tuple(student_logits.shape)} must have the same shape"
            )
        if torch.isnan(teacher_logits).any():
            raise ValueError("teacher_logits contain NaN")
        log_ps = F.log_softmax(student_logits / temperature, dim=1)
        log_pt = F.log_softmax(teacher_logits.detach().to(student_logits.dtype) / temperature, dim=1)
        kl = F.kl_div(log_ps, log_pt, reduction="batchmean", log_target=True)
        if kl_reduction == "official":
            kl = kl / student_logits.shape[1]
        loss = loss + alpha * temperature**2 * kl
    if alpha < 1:
        if target is None:
            raise ValueError("target is None but alpha < 1 needs the labels")
        if not isinstance(target, torch.Tensor) or target.dtype not in (
            torch.int64,
            torch.int32,
            torch.uint8,
        ):
            got_t = str(target.dtype) if isinstance(target, torch.Tensor) else type(target).__name__
            raise TypeError(f"target must be an integer (int64) tensor of class indices, got {got_t}")
        if target.shape != student_logits.shape[:1]:
            raise ValueError(
                f"target must have shape ({student_logits.shape[0]},), got {tuple(target.shape)}"
            )
        try:
            ce = F.cross_entropy(student_logits, target.long())
        except IndexError as err:  # CPU: a class index out of range (no extra check, no sync)
            raise ValueError(
                f"target holds a class index outside the range [0, {student_logits.shape[1]}): {err}"
            ) from err
        loss = loss + (1 - alpha) * ce
    return loss


class DistillationLoss(nn.Module):
    """Module form of :func:`distillation_loss`.

    Args:
        temperature: softmax temperature T (default 2).
        alpha: weight of the soft (teacher) term (default 0.7).
        kl_reduction: ``"batchmean"`` (default) or ``"official"``.
    """

    def __init__(self, *, temperature: float = 2.0, alpha: float = 0.7, kl_reduction: str = "batchmean"):
        super().__init__()
        _check(temperature, alpha, kl_reduction)
        self.temperature = float(temperature)
        self.alpha = float(alpha)
        self.kl_reduction = kl_reduction

    def forward(
        self,
        student_logits: torch.Tensor,
        teacher_logits: torch.Tensor | None,
        target: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return distillation_loss(
            student_logits,
            teacher_logits,
            target,
            temperature=self.temperature,
            alpha=self.alpha,
            kl_reduction=self.kl_reduction,
        )

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}, alpha={self.alpha}, kl_reduction={self.kl_reduction!r}"
