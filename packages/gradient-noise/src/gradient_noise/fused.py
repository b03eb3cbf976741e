"""Noise drawn inside the optimiser's own pass: a fused noisy Adam/AdamW step.

``GradientNoise(torch.optim.Adam(...), seed=..., fused=True)`` does not perturb ``p.grad`` and then call
``Adam.step()`` (a draw, an add and the optimiser's pass: three trips over gradient-sized memory). It runs one
Triton kernel per parameter tensor that reads the parameter, gradient and both moments once, draws the noise in
registers, and writes the parameter and moments back (:mod:`gradient_noise._fused_kernel`). On the CPU (or
without CUDA) the same arithmetic runs in torch operations with a pure-torch copy of the random stream, so
``fused=True`` gives the same numbers everywhere, slowly on the CPU.

The random stream
-----------------
At the wrapper's step ``t`` (0-based: the first step has ``t = 0``), enumerate the elements of all parameters of
the optimiser: parameters in ``param_groups`` order (group by group, each group's ``"params"`` in order), each
parameter's elements in row-major order, parameters without a gradient still taking their index range. The
noise of global element ``i`` is

    z = normal(Philox4x32-10(key = seed mod 2**64, counter = ((t << 40) + i) mod 2**64))

exactly as Triton's ``tl.randn(seed, offset)`` defines it: the key's words are the seed's low and high 32 bits,
the counter's four words are ``(offset low 32 bits, offset high 32 bits, 0, 0)``, the first two output words
``x1, x2`` become uniforms by ``u = float32(x if x < 2**31 else ~x as int32) * 4.6566127342e-10`` and the
normal is the cosine branch of Box-Muller in float32:
``sqrt(-2 log(max(u1, 1e-7))) * cos(6.283185307179586 * u2)``. The gradient the Adam update sees is
``g + std_t(group) * z``. The stream depends only on ``(seed, t, i)``: it is reproducible under the seed, the
same on every device and every DDP rank with the same seed, and resuming from ``state_dict`` (which stores
``t`` and ``seed``) continues it bit for bit. Counters are unique while ``i < 2**40`` and ``t < 2**24``.

The update is ``torch.optim.Adam``'s single-tensor one (``_single_tensor_adam``: maximize, coupled or decoupled
weight decay, ``lerp`` for the first moment, bias corrections from the step count, ``eps`` added after dividing
``sqrt(v)`` by ``sqrt(bias_correction2)``), computed in float32 and stored in the tensors' dtype (float32,
bfloat16, float16). The optimiser's ``state`` keeps torch's own format (``step``, ``exp_avg``,
``exp_avg_sq``), so checkpoints move between fused and unfused runs. Not supported in this mode: ``amsgrad``,
``capturable``, ``differentiable``, complex or float64 parameters, sparse gradients.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

__all__ = [
    "STEP_SHIFT",
    "check_fused_optimizer",
    "fused_noisy_adam_step",
    "noise_offsets",
    "philox4x32",
    "philox_randn",
]

STEP_SHIFT = 40  # counter = (t << STEP_SHIFT) + global element index
MAX_ELEMENTS = 1 << STEP_SHIFT
MAX_STEPS = 1 << (64 - STEP_SHIFT)
BLOCK = 1024  # elements per Triton program
NUM_WARPS = 4
_MASK32 = 0xFFFFFFFF
_PHILOX_M0, _PHILOX_M1 = 0xD2511F53, 0xCD9E8D57  # round multipliers (Random123, Triton)
_PHILOX_W0, _PHILOX_W1 = 0x9E3779B9, 0xBB67AE85  # key increments (Weyl sequence)
_CHUNK = 1 << 20  # elements per chunk of the CPU path (bounds its int64 temporaries)
_FUSED_DTYPES = (torch.float32, torch.bfloat16, torch.float16)


# ---------------------------------------------------------------------------------------------------------
# the random stream in torch operations
# ---------------------------------------------------------------------------------------------------------


def _mulhilo(a: int, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """High and low 32-bit words of ``a * b`` (``a`` a uint32 constant, ``b`` uint32 values in int64), computed
    from 16-bit halves so that no intermediate leaves the int64 range."""
    lo_part = a * (b & 0xFFFF)  # < 2**48
    hi_part = a * (b >> 16)  # < 2**48
    lo = (((hi_part & 0xFFFF) << 16) + lo_part) & _MASK32
    hi = (hi_part + (lo_part >> 16)) >> 16
    return hi, lo


def _philox_words(
    c0: torch.Tensor, c1: torch.Tensor, c2: torch.Tensor, c3: torch.Tensor, k0: int, k1: int, rounds: int = 10
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    for _ in range(rounds):
        hi0, lo0 = _mulhilo(_PHILOX_M0, c0)
        hi1, lo1 = _mulhilo(_PHILOX_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 = (k0 + _PHILOX_W0) & _MASK32
        k1 = (k1 + _PHILOX_W1) & _MASK32
    return c0, c1, c2, c3


def philox4x32(counter: torch.Tensor, key: Sequence[int], rounds: int = 10) -> torch.Tensor:
    """Philox4x32-``rounds`` (Salmon et al., 2011; Random123's ``philox4x32_R``) on a batch of counters.

    Args:
        counter: int64 tensor ``(..., 4)`` of 32-bit words (values in ``[0, 2**32)``).
        key: two 32-bit words.

    Returns the four output words per counter, an int64 tensor ``(..., 4)`` with values in ``[0, 2**32)``.
    """
    if counter.dtype != torch.int64 or counter.shape[-1:] != (4,):
        raise ValueError(
            f"counter must be an int64 tensor of shape (..., 4), got {counter.dtype} {tuple(counter.shape)}"
        )
    if len(key) != 2:
        raise ValueError(f"key must be two 32-bit words, got {key!r}")
    c = counter & _MASK32
    out = _philox_words(
        c[..., 0], c[..., 1], c[..., 2], c[..., 3], int(key[0]) & _MASK32, int(key[1]) & _MASK32, rounds
    )
    return torch.stack(out, dim=-1)


def _uint_to_uniform(x: torch.Tensor) -> torch.Tensor:
    """Triton's ``uint_to_uniform_float`` for 32-bit words: a float32 in ``[0, 1)``."""
    x = torch.where(x >= 1 << 31, x - (1 << 32), x)  # bitcast to int32
    x = torch.where(x < 0, ~x, x)
    return x.to(torch.float32) * torch.tensor(4.6566127342e-10, dtype=torch.float32)


def philox_randn(seed: int, offsets: torch.Tensor) -> torch.Tensor:
    """``tl.randn(seed, offsets)`` in torch operations: one float32 normal per int64 offset (see the module
    docstring for the definition). Exact in the integer part; the float part rounds like Triton's float32
    ``log``/``sqrt``/``cos`` up to the last bit or two of the device's math library."""
    if offsets.dtype != torch.int64:
        raise ValueError(f"offsets must be an int64 tensor, got {offsets.dtype}")
    key = int(seed) % (1 << 64)
    zero = torch.zeros_like(offsets)
    x1, x2, _, _ = _philox_words(
        offsets & _MASK32, (offsets >> 32) & _MASK32, zero, zero, key & _MASK32, key >> 32
    )
    u1 = torch.clamp_min(_uint_to_uniform(x1), 1.0e-7)
    u2 = _uint_to_uniform(x2)
    theta = torch.tensor(6.283185307179586, dtype=torch.float32) * u2
    return torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(theta)


def _counter_base(t: int, start: int) -> int:
    """``((t << 40) + start) mod 2**64`` as a signed int64 (what a Triton int64 argument can hold)."""
    c = ((t << STEP_SHIFT) + start) % (1 << 64)
    return c - (1 << 64) if c >= 1 << 63 else c


def noise_offsets(t: int, start: int, numel: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """The Philox counters (as int64 offsets) of ``numel`` elements from global index ``start`` at step ``t``."""
    return _counter_base(t, start) + torch.arange(numel, dtype=torch.int64, device=device)


# ---------------------------------------------------------------------------------------------------------
# checks and hyperparameters
# ---------------------------------------------------------------------------------------------------------


def check_fused_optimizer(optimizer: torch.optim.Optimizer) -> None:
    """Raise unless ``optimizer`` is a ``torch.optim.Adam`` or ``AdamW`` whose groups the fused step supports."""
    if type(optimizer) not in (torch.optim.Adam, torch.optim.AdamW):
        raise TypeError(
            f"fused=True supports torch.optim.Adam and torch.optim.AdamW, got {type(optimizer).__name__}; "
            "use fused=False (the default) for other optimisers"
        )
    for i, group in enumerate(optimizer.param_groups):
        for flag in ("amsgrad", "capturable", "differentiable"):
            if group.get(flag, False):
                raise ValueError(
                    f"fused=True does not support {flag}=True (param group {i} of {type(optimizer).__name__}); "
                    "use fused=False"
                )


def _scalar(value: Any, name: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.device.type != "cpu" or value.numel() != 1:
            raise ValueError(
                f"fused=True needs {name} as a float or a one-element CPU tensor (reading a device tensor would "
                f"synchronise every step), got a tensor on {value.device} with {value.numel()} elements"
            )
        return float(value.item())
    return float(value)


@dataclass(frozen=True)
class _Hyper:
    """One param group's Adam hyperparameters as the update uses them (scalars computed in float64, as torch does
    in Python, and rounded to float32 where the kernel receives them)."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    maximize: bool
    decoupled: bool

    @classmethod
    def of(cls, group: dict[str, Any]) -> _Hyper:
        b1, b2 = group["betas"]
        return cls(
            lr=_scalar(group["lr"], "lr"),
            beta1=_scalar(b1, "betas[0]"),
            beta2=_scalar(b2, "betas[1]"),
            eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]),
            maximize=bool(group.get("maximize", False)),
            decoupled=bool(group.get("decoupled_weight_decay", False)),
        )

    @property
    def weight_decay_mode(self) -> int:
        return 0 if self.weight_decay == 0 else (2 if self.decoupled else 1)

    @property
    def w1(self) -> float:
        return 1 - self.beta1

    @property
    def decay(self) -> float:
        return 1 - self.lr * self.weight_decay

    def step_scalars(self, step: float) -> tuple[float, float]:
        """``(-lr / (1 - beta1**step), sqrt(1 - beta2**step))`` as ``_single_tensor_adam`` computes them."""
        return -(self.lr / (1 - self.beta1**step)), (1 - self.beta2**step) ** 0.5


def _init_state(optimizer: torch.optim.Optimizer, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """The state ``Adam._init_group`` would create (same tensors, devices and dtypes)."""
    state = optimizer.state[p]
    if len(state) == 0:
        on_device = group.get("capturable", False) or group.get("fused", False)
        if on_device:
            state["step"] = torch.zeros((), dtype=torch.float32, device=p.device)
        else:
            dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
            state["step"] = torch.tensor(0.0, dtype=dtype)
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
    return state


def _check_param(p: torch.Tensor, state: dict[str, Any], use_triton: bool) -> None:
    g = p.grad
    assert g is not None
    if p.is_complex():
        raise ValueError("fused=True does not support complex parameters; use fused=False")
    if g.is_sparse:
        raise ValueError("fused=True does not support sparse gradients; use fused=False")
    if p.dtype not in _FUSED_DTYPES:
        raise ValueError(
            f"fused=True supports float32, bfloat16 and float16 parameters (it computes in float32), got "
            f"{p.dtype}; use fused=False"
        )
    moments = [state[k] for k in ("exp_avg", "exp_avg_sq") if k in state]
    if use_triton and not all(x.is_contiguous() for x in (p, g, *moments)):
        raise ValueError(
            "fused=True on CUDA needs contiguous parameters, gradients and Adam moments; use fused=False"
        )


# ---------------------------------------------------------------------------------------------------------
# the update
# ---------------------------------------------------------------------------------------------------------


def _torch_update_(
    p: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    g: torch.Tensor,
    hyper: _Hyper,
    neg_step_size: float,
    bc2_sqrt: float,
) -> None:
    """The kernel's arithmetic on one chunk in torch operations: float32 throughout, stored in the dtype.
    ``g`` is the (noisy) float32 gradient of the chunk."""
    pf, m, v = p.float(), exp_avg.float(), exp_avg_sq.float()
    if hyper.maximize:
        g = -g
    if hyper.weight_decay_mode == 1:
        g = g.add(pf, alpha=hyper.weight_decay)
    elif hyper.weight_decay_mode == 2:
        pf = pf.mul(hyper.decay)
    m = m.lerp(g, hyper.w1)
    v = v.mul(hyper.beta2).addcmul(g, g, value=1 - hyper.beta2)
    denom = (v.sqrt() / bc2_sqrt).add(hyper.eps)
    pf = pf.addcdiv(m, denom, value=neg_step_size)
    p.copy_(pf)
    exp_avg.copy_(m)
    exp_avg_sq.copy_(v)


def _torch_step(
    p: torch.Tensor,
    state: dict[str, Any],
    hyper: _Hyper,
    std: float,
    seed: int,
    t: int,
    start: int,
    neg_step_size: float,
    bc2_sqrt: float,
) -> None:
    """The CPU path: the reference stream and :func:`_torch_update_`, in chunks of ``_CHUNK`` elements."""
    grad = p.grad
    assert grad is not None
    flat = [
        x.view(-1) if x.is_contiguous() else None for x in (p, state["exp_avg"], state["exp_avg_sq"], grad)
    ]
    if any(f is None for f in flat):  # non-contiguous: work on whole-tensor copies in row-major order
        chunks = [(slice(0, p.numel()), True)]
    else:
        chunks = [(slice(s, min(s + _CHUNK, p.numel())), False) for s in range(0, p.numel(), _CHUNK)]
    for sl, copy in chunks:
        if copy:
            pc, mc, vc = (x.reshape(-1).clone() for x in (p, state["exp_avg"], state["exp_avg_sq"]))
            gc = grad.reshape(-1)
        else:
            pc, mc, vc, gc = (f[sl] for f in flat)  # type: ignore[index]
        g = gc.float()
        if std > 0:
            offsets = noise_offsets(t, start + sl.start, sl.stop - sl.start, device=p.device)
            g = g + std * philox_randn(seed, offsets)
        _torch_update_(pc, mc, vc, g, hyper, neg_step_size, bc2_sqrt)
        if copy:
            for dst, src in zip((p, state["exp_avg"], state["exp_avg_sq"]), (pc, mc, vc), strict=True):
                dst.copy_(src.view_as(dst))


def _triton_kernel() -> Any:
    try:
        from gradient_noise._fused_kernel import noisy_adam_kernel
    except ImportError as err:
        raise ImportError(
            "fused=True on CUDA runs a Triton kernel: install triton (torch's CUDA wheels bring it), "
            "or use fused=False"
        ) from err
    return noisy_adam_kernel


def _launch(
    p: torch.Tensor,
    state: dict[str, Any],
    hyper: _Hyper,
    std: float,
    seed: int,
    t: int,
    start: int,
    neg_step_size: float,
    bc2_sqrt: float,
    step_in_kernel: bool,
) -> None:
    noisy_adam_kernel = _triton_kernel()
    n = p.numel()
    grad = p.grad
    assert grad is not None
    key = int(seed) % (1 << 64)
    # Triton launches on the current CUDA device: switch only for a parameter that lives on another one
    other_gpu = p.device.type == "cuda" and p.device.index not in (None, torch.cuda.current_device())
    with torch.cuda.device(p.device) if other_gpu else contextlib.nullcontext():
        noisy_adam_kernel[((n + BLOCK - 1) // BLOCK,)](
            p,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            state["step"] if step_in_kernel else p,
            n,
            key - (1 << 64) if key >= 1 << 63 else key,
            _counter_base(t, start),
            std,
            hyper.lr,
            hyper.w1,
            hyper.beta2,
            1 - hyper.beta2,
            hyper.weight_decay,
            hyper.decay,
            hyper.eps,
            neg_step_size,
            bc2_sqrt,
            max(math.log(hyper.beta1), -80.0) if hyper.beta1 > 0 else -80.0,
            max(math.log(hyper.beta2), -80.0) if hyper.beta2 > 0 else -80.0,
            HAS_NOISE=std > 0,
            MAXIMIZE=hyper.maximize,
            WEIGHT_DECAY=hyper.weight_decay_mode,
            LERP_SMALL=abs(hyper.w1) < 0.5,
            STEP_ON_DEVICE=step_in_kernel,
            BLOCK=BLOCK,
            num_warps=NUM_WARPS,
        )


@torch.no_grad()
def fused_noisy_adam_step(
    optimizer: torch.optim.Optimizer,
    *,
    seed: int,
    t: int,
    std: float | Sequence[float],
    backend: str = "auto",
    step_in_kernel: bool | None = None,
) -> None:
    """One Adam/AdamW step of ``optimizer`` on the gradients plus the noise of step ``t`` (module docstring).

    Args:
        optimizer: a ``torch.optim.Adam`` or ``AdamW`` (see :func:`check_fused_optimizer`); its ``state`` is
            created and updated in torch's own format.
        seed: the stream's key (taken mod ``2**64``).
        t: the noise step (the wrapper's ``t``, 0-based).
        std: the noise standard deviation, one float for all groups or one per param group.
        backend: ``"triton"`` (the kernel; CUDA, or CPU tensors under ``TRITON_INTERPRET=1``), ``"torch"`` (the
            same arithmetic in torch operations) or ``"auto"`` (Triton for CUDA tensors, torch otherwise).
        step_in_kernel: Triton only: read the step count inside the kernel (default: when the ``step`` tensor
            is not on the CPU, e.g. for ``Adam(fused=True)``), so that no step needs a host-device sync.

    One kernel launch per parameter tensor with a gradient (CUDA graphs could remove the launch overhead).
    """
    check_fused_optimizer(optimizer)
    if backend not in ("auto", "triton", "torch"):
        raise ValueError(f"backend must be 'auto', 'triton' or 'torch', got {backend!r}")
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < MAX_STEPS:
        raise ValueError(f"t must be an int in [0, {MAX_STEPS}) (the stream's counter space), got {t!r}")
    groups = optimizer.param_groups
    stds = [float(std)] * len(groups) if isinstance(std, (int, float)) else [float(s) for s in std]
    if len(stds) != len(groups) or not all(math.isfinite(s) and s >= 0 for s in stds):
        raise ValueError(
            f"std must be a non-negative float or one per param group ({len(groups)}), got {std!r}"
        )
    # first pass: global indices and checks, before anything is modified
    work = []
    start = 0
    for group, s in zip(groups, stds, strict=True):
        hyper = _Hyper.of(group)
        for p in group["params"]:
            if p.grad is not None:
                use_triton = backend == "triton" or (backend == "auto" and p.device.type == "cuda")
                _check_param(p, optimizer.state.get(p, {}), use_triton)
                work.append((p, group, hyper, s, start, use_triton))
            start += p.numel()
    if any(w[-1] for w in work):
        _triton_kernel()  # a missing triton fails here, before anything is modified
    if start > MAX_ELEMENTS:
        raise ValueError(f"fused=True supports at most 2**{STEP_SHIFT} parameter elements, got {start}")
    device_steps = []
    scalars: dict[tuple[int, float], tuple[float, float]] = {}
    for p, group, hyper, s, begin, use_triton in work:
        if p.numel() == 0:
            continue
        state = _init_state(optimizer, p, group)
        step_t = state["step"]
        in_kernel = use_triton and (step_t.device.type != "cpu" if step_in_kernel is None else step_in_kernel)
        if in_kernel:
            device_steps.append(step_t)
            _launch(p, state, hyper, s, seed, t, begin, 0.0, 1.0, step_in_kernel=True)
            continue
        step_t += 1
        step = float(step_t.item())  # a CPU tensor unless torch's fused/capturable keeps it on the device
        k = (id(group), step)
        if k not in scalars:
            scalars[k] = hyper.step_scalars(step)
        neg_step_size, bc2_sqrt = scalars[k]
        if use_triton:
            _launch(p, state, hyper, s, seed, t, begin, neg_step_size, bc2_sqrt, step_in_kernel=False)
        else:
            _torch_step(p, state, hyper, s, seed, t, begin, neg_step_size, bc2_sqrt)
    if device_steps:
        torch._foreach_add_(device_steps, 1.0)
