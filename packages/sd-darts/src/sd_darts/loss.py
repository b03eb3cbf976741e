"""The self-distillation term of SD-DARTS: ``τ² · KL(p_T ‖ softmax(z / τ))`` (Hinton et al. 2015 scaling).

SD-DARTS (Zhu, Li, Liu, Wang, arXiv 2302.05629) pulls the current supernet's predictions towards those of
supernets from previous steps. The paper's equations could not be checked here (only its abstract was
reachable); this is the standard distillation term the abstract describes ("minimize the loss difference for
the two consecutive iterations"), reconstructed, with the temperature scaling of Hinton et al.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

REDUCTIONS = ("batchmean", "none")


def check_tau(tau: float) -> float:
    """``tau`` as a float, or ``ValueError`` unless it is a finite real number > 0."""
    ok = isinstance(tau, numbers.Real) and not isinstance(tau, bool) and float(tau) > 0
    if not ok or not torch.isfinite(torch.tensor(float(tau))):
        raise ValueError(f"tau must be a finite number > 0, got {tau!r}")
    return float(tau)


def check_probabilities(p: torch.Tensor, name: str) -> None:
    """``ValueError`` naming ``name`` unless every row of ``p`` is a probability distribution (entries finite and
    >= 0, summing to 1 within 1e-3); one host sync."""
    q = p.detach().to(torch.float64)
    bad = ~torch.isfinite(q).all() | (q < 0).any() | ((q.sum(-1) - 1).abs() > 1e-3).any()
    if bool(bad):
        raise ValueError(
            f"{name} must hold probabilities (entries finite and >= 0, every row summing to 1), e.g. "
            "softmax(teacher_logits / tau); got entries in "
            f"[{float(q.nan_to_num().min()):.3g}, {float(q.nan_to_num().max()):.3g}]"
            + (" with NaN or inf" if not bool(torch.isfinite(q).all()) else "")
        )


def self_distillation_loss(
    student_logits: torch.Tensor,
    teacher_probs: torch.Tensor,
    *,
    tau: float = 1.0,
    reduction: str = "batchmean",
    check: bool = True,
) -> torch.Tensor:
    """``τ² · KL(p_T ‖ softmax(z / τ))`` averaged over the batch (the distillation term of the weight loss).

    The teacher distribution is a constant (detached); the KL is computed in float32 at least (also under autocast), with
    ``0 · log 0 = 0`` so one-hot teachers (majority vote) are allowed. The ``τ²`` factor keeps the gradient's
    size roughly independent of ``τ`` (Hinton et al. 2015).

    Args:
        student_logits: ``(N, C)`` logits ``z`` of the current supernet.
        teacher_probs: ``(N, C)`` teacher probabilities ``p_T`` (rows sum to 1), e.g. from
            :meth:`sd_darts.SnapshotTeacher.predict`.
        tau: the temperature ``τ > 0`` (the teacher's probabilities must use the same ``τ``).
        reduction: ``"batchmean"`` (mean over the ``N`` rows) or ``"none"`` (one value per row).
        check: refuse (``ValueError``) a ``teacher_probs`` that is not a probability distribution per row
            (negative, NaN or inf entries, rows not summing to 1; one host sync). :class:`sd_darts.SDArchitect`
            passes False for its own voted teacher.

    Returns:
        A scalar (``"batchmean"``) or ``(N,)`` tensor, >= 0, zero exactly when the student matches the teacher.
    """
    tau = check_tau(tau)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if not isinstance(student_logits, torch.Tensor) or student_logits.dim() != 2:
        raise ValueError(
            f"student_logits must be an (N, C) tensor, got {getattr(student_logits, 'shape', type(student_logits))}"
        )
    if not isinstance(teacher_probs, torch.Tensor) or teacher_probs.shape != student_logits.shape:
        raise ValueError(
            f"teacher_probs must have the shape of student_logits {tuple(student_logits.shape)}, got "
            f"{getattr(teacher_probs, 'shape', type(teacher_probs))}"
        )
    if not student_logits.is_floating_point():
        raise TypeError(
            f"student_logits must be floating point (logits), got {student_logits.dtype}: convert with .to(torch.float32)"
        )
    if reduction == "batchmean" and student_logits.shape[0] == 0:
        raise ValueError("student_logits is an empty batch: the batch mean of no rows is undefined")
    if teacher_probs.device != student_logits.device:
        raise ValueError(
            f"teacher_probs is on {teacher_probs.device} but student_logits on {student_logits.device}: move "
            f"the teacher's probabilities with .to({str(student_logits.device)!r})"
        )
    if check:
        check_probabilities(teacher_probs, "teacher_probs")
    dtype = torch.promote_types(student_logits.dtype, torch.float32)  # float32 at least (bf16/fp16 autocast)
    p = teacher_probs.detach().to(dtype)
    log_q = F.log_softmax(student_logits.to(dtype) / tau, dim=-1)
    kl = (torch.xlogy(p, p) - p * log_q).sum(-1)
    kl = kl * (tau * tau)
    return kl.mean() if reduction == "batchmean" else kl
