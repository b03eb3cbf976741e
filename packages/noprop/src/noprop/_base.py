"""Shared plumbing of the NoProp variants: input checks, minibatches, per-stream RNG, prediction."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import torch
from torch import nn

from noprop.embeddings import LabelEmbedding


def upcast(t: torch.Tensor) -> torch.Tensor:
    """At least float32 (bf16/fp16 activations are lifted; float64 stays float64)."""
    return t if t.dtype == torch.float64 else t.float()


def check_labels(y: torch.Tensor, num_classes: int, name: str = "y") -> None:
    """Integer class ids in ``[0, num_classes)`` (ValueError naming the range otherwise)."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of int64 class ids, got {type(y).__name__}")
    if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise ValueError(f"{name} must hold integer class ids (int64), got dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-d (batch,), got shape {tuple(y.shape)}")
    if y.numel():
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= num_classes:
            raise ValueError(
                f"{name} must lie in [0, {num_classes}) (num_classes={num_classes}), got values in [{lo}, {hi}]"
            )


def check_xy(x: torch.Tensor, y: torch.Tensor, num_classes: int) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    check_labels(y, num_classes)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same batch size, got {x.shape[0]} and {y.shape[0]}")


def check_all_finite(x: torch.Tensor, name: str = "x") -> None:
    """``ValueError`` when floating-point training data holds NaN or inf (one such sample poisons every weight
    it reaches: the model then predicts NaN on clean data). Reads no random stream."""
    if isinstance(x, torch.Tensor) and x.is_floating_point() and not bool(torch.isfinite(x).all()):
        bad = ~torch.isfinite(x.reshape(x.shape[0], -1)) if x.ndim else ~torch.isfinite(x)
        n = int(bad.any(-1).sum()) if x.ndim else 1
        raise ValueError(
            f"{name} holds non-finite values (NaN or inf) in {n} of {x.shape[0] if x.ndim else 1} samples; clean "
            "or drop them (a NaN input poisons every weight it reaches), or pass check_finite=False to skip "
            "this check"
        )


def check_grad_clip(grad_clip: float | None) -> None:
    """``grad_clip`` is None or a number > 0 (a negative one turns clipping into gradient ascent, NaN makes every
    gradient NaN)."""
    if grad_clip is None:
        return
    if isinstance(grad_clip, bool) or not isinstance(grad_clip, (int, float)) or not grad_clip > 0:
        raise ValueError(f"grad_clip must be None or a number > 0 (a max gradient norm), got {grad_clip!r}")


def check_input_dtype(x: torch.Tensor, param_dtype: torch.dtype, name: str = "x") -> None:
    """The dtype policy of torch layers: floating-point input of the parameters' dtype (autocast excepted),
    else a ``TypeError`` naming both dtypes and the conversion."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be floating point, got {x.dtype}: convert it with {name}.to({param_dtype})"
        )
    if x.dtype != param_dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(
            f"{name} dtype {x.dtype} differs from the parameters' dtype {param_dtype}: convert the input with "
            f"{name}.to({param_dtype}) or the model with model.to({x.dtype})"
            + (" (model.double())" if x.dtype == torch.float64 else "")
        )


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def has_batchnorm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


def check_batch_for_bn(module: nn.Module, n: int) -> None:
    if module.training and n < 2 and has_batchnorm(module):
        raise ValueError(
            f"training a block with BatchNorm needs a batch of at least 2 samples, got 1 sample; "
            f"use batch_size >= 2 or put the model in eval mode, got batch size {n}"
        )


def minibatches(n: int, batch_size: int, device: torch.device | None = None) -> Iterator[torch.Tensor]:
    """Shuffled index batches drawn from the global (forked) RNG; a trailing batch of 1 is merged into the
    previous batch so BatchNorm never sees a single sample."""
    perm = torch.randperm(n)
    starts = list(range(0, n, batch_size))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else n
        idx = perm[s:e]
        yield idx if device is None else idx.to(device)


class RNGStreams:
    """Independent random streams (one per block, head, ...): the global torch RNG is forked while a stream
    is active, so what a block draws (noise, shuffling, dropout masks) depends only on its own seed and
    history, never on what other blocks did before. This is what makes training order irrelevant."""

    def __init__(self) -> None:
        self._states: dict[object, tuple[torch.Tensor, torch.Tensor | None]] = {}
        self._seeds: dict[object, int] = {}

    def reset(self, key: object, seed: int) -> None:
        g = torch.Generator().manual_seed(int(seed))
        cpu_state = g.get_state()
        cuda_state = None
        self._states[key] = (cpu_state, cuda_state)
        self._seeds[key] = int(seed)

    def has(self, key: object) -> bool:
        return key in self._states

    @contextlib.contextmanager
    def stream(self, key: object, device: torch.device) -> Iterator[None]:
        use_cuda = device.type == "cuda"
        devices = [device] if use_cuda else []
        with torch.random.fork_rng(devices=devices):
            state = self._states.get(key)
            if state is not None:
                torch.set_rng_state(state[0])
                if use_cuda:
                    if state[1] is not None:
                        torch.cuda.set_rng_state(state[1], device)
                    else:
                        torch.cuda.manual_seed(self._seeds.get(key, 0))
            yield
            self._states[key] = (
                torch.get_rng_state(),
                torch.cuda.get_rng_state(device) if use_cuda else None,
            )


class NoPropBase(nn.Module):
    """Common surface: ``embedding``, linear ``head`` ``p(y | z) = softmax(W_out z + b_out)``, prediction."""

    num_classes: int
    embedding: LabelEmbedding
    head: nn.Linear
    trained: torch.Tensor

    def _init_common(self, num_classes: int, embedding: LabelEmbedding | None) -> None:
        check_positive_int("num_classes", num_classes, 2)  # one class leaves nothing to denoise or predict
        if embedding is None:
            embedding = LabelEmbedding(num_classes)
        if not isinstance(embedding, LabelEmbedding):
            raise TypeError(f"embedding must be a LabelEmbedding, got {type(embedding).__name__}")
        if embedding.num_classes != num_classes:
            raise ValueError(
                f"embedding has {embedding.num_classes} classes, expected num_classes={num_classes}"
            )
        self.num_classes = num_classes
        self.embedding = embedding
        self.head = nn.Linear(embedding.dim, num_classes)
        self.rng = RNGStreams()

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    @property
    def _zdtype(self) -> torch.dtype:
        return upcast(self.embedding.weight).dtype

    def _warn_if_untrained(self) -> None:
        if not bool(self.trained.any()):
            warnings.warn(
                f"{type(self).__name__} has not been trained (no block has been fitted): its predictions are at "
                "chance level. Call fit() or train_block() first.",
                UserWarning,
                stacklevel=3,
            )

    def head_logits(self, z: torch.Tensor) -> torch.Tensor:
        """``W_out z + b_out`` (the softmax classifier on the final latent, in float32)."""
        return self.head(z.to(self.head.weight.dtype))

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """Class probabilities ``p(y | z_T)`` after the inference chain, in eval mode."""
        was = self.training
        self.eval()
        try:
            return torch.softmax(self(x, **kwargs).float(), dim=-1)
        finally:
            self.train(was)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """Predicted class ids (``argmax p(y | z_T)``)."""
        return self.predict_proba(x, **kwargs).argmax(-1)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024, **kwargs) -> float:
        """Fraction of correct predictions (evaluated in batches)."""
        correct = 0
        for s in range(0, x.shape[0], batch_size):
            correct += int(
                (self.predict(x[s : s + batch_size], **kwargs) == y[s : s + batch_size].to(self.device)).sum()
            )
        return correct / max(x.shape[0], 1)
