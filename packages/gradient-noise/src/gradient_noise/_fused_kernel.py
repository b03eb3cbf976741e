"""The Triton kernel behind ``GradientNoise(..., fused=True)`` (imported only when that path runs on a GPU).

One program handles ``BLOCK`` consecutive elements of one parameter tensor, in one pass over memory: it loads
the parameter, gradient and both Adam moments, draws ``tl.randn(seed, counter_base + index)`` in registers, adds
``std`` times it to the gradient, applies ``torch.optim.Adam``'s single-tensor update in float32, and stores the
parameter and the moments back in their own dtype. The gradient itself is not written. See
:mod:`gradient_noise.fused` for the random stream and the pure-torch reference of the same arithmetic.

This module imports triton at the top: the library never imports it unless the fused path runs on CUDA (or the
tests run it under ``TRITON_INTERPRET=1``).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _one_minus_exp(x):
    """``1 - exp(x)`` for ``x <= 0``, accurate also for small ``|x|`` (a bias correction ``1 - beta**step``)."""
    # expm1(x) by its Taylor series to x**9 for |x| <= 0.5 (truncation error below 1e-9 relative);
    # further out 1 - exp(x) >= 0.39 has no cancellation to speak of
    e = x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (
        1.0 + x / 6.0 * (1.0 + x / 7.0 * (1.0 + x / 8.0 * (1.0 + x / 9.0))))))))  # fmt: skip
    return tl.where(x > -0.5, -e, 1.0 - tl.exp(x))


@triton.jit
def _store(ptr, idx, x, mask):
    """Store float32 ``x`` in the pointer's dtype, rounding to nearest even (for bfloat16 by hand, because Triton's
    interpreter truncates that conversion; on a GPU the hand-rounded value then converts exactly)."""
    if ptr.dtype.element_ty == tl.bfloat16:
        bits = x.to(tl.uint32, bitcast=True)
        bits = bits + 0x7FFF + ((bits >> 16) & 1)
        x = ((bits >> 16) << 16).to(tl.float32, bitcast=True)
    tl.store(ptr + idx, x.to(ptr.dtype.element_ty), mask=mask)


@triton.jit(do_not_specialize=["seed", "counter_base"])
def noisy_adam_kernel(
    p_ptr,
    g_ptr,
    m_ptr,
    v_ptr,
    step_ptr,
    n_elements,
    seed,
    counter_base,
    std,
    lr,
    w1,
    beta2,
    omb2,
    weight_decay,
    decay,
    eps,
    neg_step_size,
    bc2_sqrt,
    ln_beta1,
    ln_beta2,
    HAS_NOISE: tl.constexpr,
    MAXIMIZE: tl.constexpr,
    WEIGHT_DECAY: tl.constexpr,  # 0: none, 1: coupled (Adam), 2: decoupled (AdamW)
    LERP_SMALL: tl.constexpr,  # torch's lerp formula for |weight| < 0.5
    STEP_ON_DEVICE: tl.constexpr,  # read the step count from step_ptr (bias corrections computed here)
    BLOCK: tl.constexpr,
):
    pid = tl.program_id(0).to(tl.int64)
    idx = pid * BLOCK + tl.arange(0, BLOCK)
    mask = idx < n_elements
    p = tl.load(p_ptr + idx, mask=mask, other=0.0).to(tl.float32)
    g = tl.load(g_ptr + idx, mask=mask, other=0.0).to(tl.float32)
    m = tl.load(m_ptr + idx, mask=mask, other=0.0).to(tl.float32)
    v = tl.load(v_ptr + idx, mask=mask, other=0.0).to(tl.float32)
    if HAS_NOISE:
        # Philox4x32-10, key = seed (mod 2**64), counter = (counter_base + idx) mod 2**64; Box-Muller cos branch
        g = g + std * tl.randn(seed, counter_base.to(tl.int64) + idx)
    if MAXIMIZE:
        g = -g
    if WEIGHT_DECAY == 1:
        g = g + weight_decay * p
    if WEIGHT_DECAY == 2:
        p = p * decay
    if LERP_SMALL:
        m = m + w1 * (g - m)
    else:
        m = g - (g - m) * (1.0 - w1)
    v = v * beta2 + omb2 * g * g
    if STEP_ON_DEVICE:
        s = tl.load(step_ptr).to(tl.float32) + 1.0  # the caller adds 1 to the stored step after all launches
        neg_step_size = -tl.div_rn(lr, _one_minus_exp(s * ln_beta1))
        bc2_sqrt = tl.sqrt_rn(_one_minus_exp(s * ln_beta2))
    # IEEE-rounded sqrt and division as in torch's kernels (Triton's plain `/` and tl.sqrt are approximate)
    denom = tl.div_rn(tl.sqrt_rn(v), bc2_sqrt) + eps
    p = p + neg_step_size * tl.div_rn(m, denom)
    _store(p_ptr, idx, p, mask)
    _store(m_ptr, idx, m, mask)
    _store(v_ptr, idx, v, mask)
