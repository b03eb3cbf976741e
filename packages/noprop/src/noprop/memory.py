"""Memory of one training step, measured on any device.

On the CPU, ``tracemalloc`` does not see torch's allocator and RSS never goes down, so we count what a step
needs from the autograd graph itself: the bytes of every tensor saved for backward during the forward pass
(the activation memory, deduplicated by storage), plus the trainable state the step touches (parameters
with a gradient after the step: parameter + gradient + the optimiser's two Adam moments). On CUDA
``torch.cuda.max_memory_allocated`` gives the allocator's peak as well (``cuda_peak_bytes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import torch
from torch import nn

__all__ = ["TrainingMemory", "training_step_memory"]


@dataclasses.dataclass
class TrainingMemory:
    """Bytes needed by one training step."""

    activation_bytes: int
    trainable_bytes: int
    cuda_peak_bytes: int | None = None

    @property
    def step_bytes(self) -> int:
        """Activations + (parameter, gradient, 2 Adam moments) of every parameter the step updates."""
        return self.activation_bytes + 4 * self.trainable_bytes


def training_step_memory(loss_fn: Callable[[], torch.Tensor], module: nn.Module) -> TrainingMemory:
    """Run ``loss_fn().backward()`` once and measure it (gradients of ``module`` are reset before and after)."""
    module.zero_grad(set_to_none=True)
    seen: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        try:
            st = t.untyped_storage()
            key = (st.data_ptr(), st.nbytes())
            seen[key] = st.nbytes()
        except (RuntimeError, NotImplementedError):  # pragma: no cover - exotic tensors
            seen[(id(t), 0)] = t.numel() * t.element_size()
        return t

    dev = next(module.parameters()).device
    cuda = dev.type == "cuda"
    if cuda:
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
    params = {id(p) for p in module.parameters()}
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn()
    # parameters saved for backward are model state, not activations
    for p in module.parameters():
        st = p.untyped_storage()
        seen.pop((st.data_ptr(), st.nbytes()), None)
    loss.backward()
    peak = None
    if cuda:
        torch.cuda.synchronize(dev)
        peak = int(torch.cuda.max_memory_allocated(dev) - base)
    trainable = sum(
        p.numel() * p.element_size() for p in module.parameters() if p.grad is not None and id(p) in params
    )
    module.zero_grad(set_to_none=True)
    return TrainingMemory(
        activation_bytes=int(sum(seen.values())), trainable_bytes=int(trainable), cuda_peak_bytes=peak
    )
