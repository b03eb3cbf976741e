"""The fused noisy Adam step (issue #24): the random stream, the update, the wrapper's fused mode.

Without triton only the pure-torch reference (the CPU path of ``fused=True``) is tested; with triton the kernel runs
in Triton's interpreter on CPU tensors (in this process when the conftest could choose the interpreter before
triton's first import, else in a subprocess) and must equal the reference; on CUDA the compiled kernel must.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import _fused_cases as cases
import pytest
import torch

import gradient_noise as gn
from gradient_noise.fused import (
    fused_noisy_adam_step,
    noise_offsets,
    philox4x32,
    philox_randn,
)

HAS_TRITON = importlib.util.find_spec("triton") is not None

# Random123's tests/kat_vectors, the "philox4x32 10" lines: counter (4 words), key (2 words), output (4 words)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


# tl.randn(1234, offset) as Triton 3.9 computes it (recorded from its interpreter): pins the reference's
# offset -> counter, seed -> key, uniform and Box-Muller steps also where triton is not installed
TRITON_RANDN_SEED_1234 = {
    0: -0.44222745,
    1: 0.11843181,
    2**32: -0.50331038,
    2**40 + 17: 1.2406538,
    (3 << 40) + 5: 0.30644742,
    2**62 + 1: -0.49053264,
}


def model_pair(seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    a = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).to(dtype)
    b = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).to(dtype)
    b.load_state_dict(a.state_dict())
    return a, b


def backward(model, k):
    x = torch.randn(8, 6, generator=torch.Generator().manual_seed(k)).to(next(model.parameters()).dtype)
    for p in model.parameters():
        p.grad = None
    model(x).pow(2).mean().backward()


def noise_of(params, seed, t):
    """The reference stream's noise for each parameter at step t (global indices over ``params`` in order)."""
    out, start = [], 0
    for p in params:
        out.append(philox_randn(seed, noise_offsets(t, start, p.numel())).view(p.shape))
        start += p.numel()
    return out


# ---------------------------------------------------------------------------------------------------------
# the random stream (pure torch, always runs)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_philox_known_answer_vectors(counter, key, expected):
    out = philox4x32(torch.tensor(counter, dtype=torch.int64), key)
    assert out.tolist() == list(expected)


def test_philox_batches_and_refuses_bad_counters():
    batch = torch.tensor([c for c, _, _ in KAT[:1]] * 3, dtype=torch.int64)
    assert philox4x32(batch, (0, 0)).tolist() == [list(KAT[0][2])] * 3
    with pytest.raises(ValueError, match="counter must be an int64 tensor of shape"):
        philox4x32(torch.zeros(3, dtype=torch.int64), (0, 0))
    with pytest.raises(ValueError, match="offsets must be an int64"):
        philox_randn(0, torch.zeros(3))


def test_reference_normal_equals_recorded_triton_values():
    offsets = torch.tensor(list(TRITON_RANDN_SEED_1234), dtype=torch.int64)
    expected = torch.tensor(list(TRITON_RANDN_SEED_1234.values()), dtype=torch.float32)
    torch.testing.assert_close(philox_randn(1234, offsets), expected, rtol=0, atol=1e-6)


def test_reference_normal_is_bounded_standard_and_keyed():
    z = philox_randn(7, noise_offsets(0, 0, 100_000))
    assert z.dtype == torch.float32 and torch.isfinite(z).all()
    assert z.abs().max().item() <= math.sqrt(-2 * math.log(1e-7)) + 1e-5  # Box-Muller with u1 >= 1e-7
    assert abs(z.mean().item()) < 4 / math.sqrt(1e5) and z.var().item() == pytest.approx(1.0, rel=0.02)
    assert not torch.equal(z[:1000], philox_randn(8, noise_offsets(0, 0, 1000)))
    assert not torch.equal(z[:1000], philox_randn(7, noise_offsets(1, 0, 1000)))  # next step: new counters
    assert torch.equal(z[500:600], philox_randn(7, noise_offsets(0, 500, 100)))  # counter-based: any slice


# ---------------------------------------------------------------------------------------------------------
# the fused step on the CPU (torch path) against torch.optim.Adam / AdamW
# ---------------------------------------------------------------------------------------------------------

OPTIMIZERS = {
    "Adam": lambda ps: torch.optim.Adam(ps, lr=1e-2, foreach=False),
    "AdamW": lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1, foreach=False),
    "Adam-wd-maximize": lambda ps: torch.optim.Adam(
        ps, lr=1e-2, weight_decay=0.05, maximize=True, foreach=False
    ),
    "Adam-fused-cpu": lambda ps: torch.optim.Adam(ps, lr=1e-2, fused=True),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fused_step_equals_torch_step_on_prenoised_gradients(name):
    make = OPTIMIZERS[name]
    a, b = model_pair()
    fused = gn.GradientNoise(make(list(a.parameters())), eta=0.3, seed=11, fused=True)
    plain = make(list(b.parameters()))
    for k in range(4):
        backward(a, k)
        backward(b, k)
        std = fused.current_std
        for p, z in zip(b.parameters(), noise_of(list(b.parameters()), 11, k), strict=True):
            p.grad.add_(z, alpha=std)
        fused.step()
        plain.step()
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=2e-6, atol=1e-7)
        torch.testing.assert_close(fused.state[pa]["exp_avg_sq"], plain.state[pb]["exp_avg_sq"])
        assert torch.equal(fused.state[pa]["step"], plain.state[pb]["step"])
        assert fused.state[pa]["step"].device == plain.state[pb]["step"].device


def test_eta_zero_fused_equals_adam():
    a, b = model_pair()
    fused = gn.GradientNoise(torch.optim.AdamW(a.parameters(), lr=1e-2), eta=0.0, seed=0, fused=True)
    plain = torch.optim.AdamW(b.parameters(), lr=1e-2)
    for k in range(3):
        backward(a, k)
        backward(b, k)
        fused.step()
        plain.step()
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=2e-6, atol=1e-7)


def test_gradients_are_left_unperturbed_and_groups_have_their_own_std():
    p, q = (torch.nn.Parameter(torch.zeros(4000)) for _ in range(2))
    inner = torch.optim.Adam(
        [{"params": [p]}, {"params": [q], "noise_eta": 0.0}], lr=1e-3, betas=(0.0, 0.999)
    )
    opt = gn.GradientNoise(inner, eta=0.5, seed=3, fused=True)
    p.grad, q.grad = torch.zeros(4000), torch.zeros(4000)
    opt.step()
    assert p.grad.abs().sum() == 0  # the noise lives inside the step only
    assert opt.state[q]["exp_avg"].abs().sum() == 0  # noise_eta=0 group: no noise
    assert opt.state[p]["exp_avg"].std().item() == pytest.approx(math.sqrt(0.5), rel=0.05)


# ---------------------------------------------------------------------------------------------------------
# statistics (mirroring test_noise.py for the fused path): with beta1 = 0 Adam's exp_avg IS the noisy gradient
# ---------------------------------------------------------------------------------------------------------


def noisy_gradient_after_step(params, eta, seed, t, grads=None):
    opt = gn.GradientNoise(
        torch.optim.Adam(params, lr=0.0, betas=(0.0, 0.999)), eta=eta, seed=seed, fused=True
    )
    opt.noise.t = t
    for p in params:
        p.grad = torch.zeros_like(p)
    opt.step()
    return [opt.state[p]["exp_avg"].clone() for p in params], opt


@pytest.mark.parametrize("t", [0, 7, 99])
def test_fused_noise_variance_statistically(t):
    (z,), _ = noisy_gradient_after_step([torch.nn.Parameter(torch.zeros(20_000))], 0.3, 123, t)
    var = 0.3 / (1 + t) ** 0.55
    assert z.var().item() == pytest.approx(var, rel=0.03)
    assert abs(z.mean().item()) < 3 * math.sqrt(var / 20_000)
    # and it is the documented stream: counter (t << 40) + i, scaled by the scheduled std
    assert torch.equal(z, math.sqrt(var) * philox_randn(123, (t << 40) + torch.arange(20_000)))


def test_fused_noise_independent_across_parameters_groups_and_steps():
    a, b, c = (torch.nn.Parameter(torch.zeros(5000)) for _ in range(3))
    inner = torch.optim.Adam([{"params": [a, b]}, {"params": [c]}], lr=0.0, betas=(0.0, 0.999))
    opt = gn.GradientNoise(inner, eta=1.0, seed=0, schedule="constant", fused=True)
    for p in (a, b, c):
        p.grad = torch.zeros_like(p)
    opt.step()
    first = [opt.state[p]["exp_avg"].clone() for p in (a, b, c)]
    opt.step()
    second = opt.state[a]["exp_avg"]

    def corr(x, y):
        return torch.corrcoef(torch.stack([x, y]))[0, 1].abs().item()

    assert corr(first[0], first[1]) < 0.05 and corr(first[0], first[2]) < 0.05
    assert corr(first[0], second) < 0.05


def test_parameters_without_grad_keep_their_index_range():
    def third_param_noise(second_has_grad):
        ps = [torch.nn.Parameter(torch.zeros(n)) for n in (30, 40, 50)]
        opt = gn.GradientNoise(torch.optim.Adam(ps, lr=0.0, betas=(0.0, 0.999)), eta=1.0, seed=5, fused=True)
        for i, p in enumerate(ps):
            p.grad = torch.zeros_like(p) if (i != 1 or second_has_grad) else None
        opt.step()
        return opt.state[ps[2]]["exp_avg"]

    z = third_param_noise(True)
    assert torch.equal(z, third_param_noise(False))
    assert torch.equal(z, philox_randn(5, torch.arange(70, 120)))  # t = 0, global indices 70..119, std 1


# ---------------------------------------------------------------------------------------------------------
# reproducibility, checkpoints, clipping, AMP, hooks
# ---------------------------------------------------------------------------------------------------------


def train(model, opt, steps, first=0):
    for k in range(first, first + steps):
        backward(model, k)
        opt.step()


def test_same_seed_same_trajectory_and_resume_is_bit_exact():
    def run(seed, split=None):
        a, _ = model_pair()
        opt = gn.GradientNoise(torch.optim.Adam(a.parameters(), lr=1e-2), eta=0.3, seed=seed, fused=True)
        if split is None:
            train(a, opt, 6)
            return torch.cat([p.detach().flatten() for p in a.parameters()])
        train(a, opt, split)
        state = opt.state_dict()
        model_state = {k: v.clone() for k, v in a.state_dict().items()}
        b, _ = model_pair(seed=1)
        b.load_state_dict(model_state)
        opt2 = gn.GradientNoise(torch.optim.Adam(b.parameters(), lr=1e-2), eta=0.3, seed=999, fused=True)
        opt2.load_state_dict(state)
        assert opt2.t == split and opt2.noise.seed == seed
        train(b, opt2, 6 - split, first=split)
        return torch.cat([p.detach().flatten() for p in b.parameters()])

    full = run(1)
    assert torch.equal(full, run(1)) and not torch.equal(full, run(2))
    assert torch.equal(full, run(1, split=3))


def test_checkpoints_move_between_fused_and_unfused():
    a, _ = model_pair()
    fused = gn.GradientNoise(torch.optim.Adam(a.parameters(), lr=1e-2), eta=0.1, seed=4, fused=True)
    train(a, fused, 2)
    state = fused.state_dict()
    unfused = gn.GradientNoise(torch.optim.Adam(a.parameters(), lr=1e-2), eta=0.1, seed=4)
    unfused.load_state_dict(state)
    train(a, unfused, 1, first=2)
    assert all(unfused.state[p]["step"].item() == 3 for p in a.parameters()) and unfused.t == 3
    # and back: an unseeded unfused checkpoint keeps the fused wrapper's own seed
    plain = gn.GradientNoise(torch.optim.Adam(a.parameters(), lr=1e-2), eta=0.1)
    train(a, plain, 1)
    again = gn.GradientNoise(torch.optim.Adam(a.parameters(), lr=1e-2), eta=0.1, seed=8, fused=True)
    again.load_state_dict(plain.state_dict())
    assert again.noise.seed == 8 and again.t == 1
    train(a, again, 1)
    assert all(again.state[p]["step"].item() == 2 for p in a.parameters())


def test_clip_then_noise_clips_before_the_fused_step():
    p, q = torch.nn.Parameter(torch.zeros(1000)), torch.nn.Parameter(torch.zeros(1000))
    opt = gn.GradientNoise(
        torch.optim.Adam([p], lr=0.0, betas=(0.0, 0.999)), eta=1.0, seed=2, clip_norm=1.0, fused=True
    )
    ref = gn.GradientNoise(torch.optim.Adam([q], lr=0.0, betas=(0.0, 0.999)), eta=1.0, seed=2, fused=True)
    p.grad = torch.full((1000,), 10.0)
    q.grad = torch.full((1000,), 10.0) / (10.0 * math.sqrt(1000))  # the clipped gradient (norm 1)
    opt.step()
    ref.step()
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)  # clipped in place, noise not added to it
    torch.testing.assert_close(opt.state[p]["exp_avg"], ref.state[q]["exp_avg"])


def test_amp_noise_is_added_after_unscale():
    p = torch.nn.Parameter(torch.zeros(20_000))
    opt = gn.GradientNoise(torch.optim.Adam([p], lr=1e-3, betas=(0.0, 0.999)), eta=0.3, seed=1, fused=True)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((p * 0.0).sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert opt.state[p]["exp_avg"].std().item() == pytest.approx(math.sqrt(0.3), rel=0.03)
    assert opt.t == 1


def test_inner_step_hooks_and_lr_scheduler_still_work():
    p = torch.nn.Parameter(torch.zeros(10))
    inner = torch.optim.Adam([p], lr=1.0)
    calls = []
    inner.register_step_pre_hook(lambda *a: calls.append("pre"))
    inner.register_step_post_hook(lambda *a: calls.append("post"))
    opt = gn.GradientNoise(inner, eta=0.01, seed=0, fused=True)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    p.grad = torch.ones(10)
    opt.step()
    sched.step()
    assert calls == ["pre", "post"] and inner.param_groups[0]["lr"] == 0.5


# ---------------------------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------------------------


def test_fused_refuses_what_it_does_not_support():
    ps = [torch.nn.Parameter(torch.zeros(3))]
    with pytest.raises(TypeError, match="supports torch.optim.Adam and torch.optim.AdamW, got SGD"):
        gn.GradientNoise(torch.optim.SGD(ps, lr=0.1), seed=0, fused=True)
    with pytest.raises(ValueError, match="fused=True needs seed="):
        gn.GradientNoise(torch.optim.Adam(ps), fused=True)
    with pytest.raises(ValueError, match="pass seed=... instead of generator"):
        gn.GradientNoise(torch.optim.Adam(ps), generator=torch.Generator(), fused=True)
    with pytest.raises(ValueError, match="order='clip_then_noise'"):
        gn.GradientNoise(torch.optim.Adam(ps), seed=0, clip_norm=1.0, order="noise_then_clip", fused=True)
    for flag in ("amsgrad", "differentiable"):
        with pytest.raises(ValueError, match=f"does not support {flag}=True"):
            gn.GradientNoise(torch.optim.Adam(ps, **{flag: True}), seed=0, fused=True)
    with pytest.raises(TypeError, match="fused must be a bool"):
        gn.GradientNoise(torch.optim.Adam(ps), seed=0, fused="yes")  # type: ignore[arg-type]
    opt = gn.GradientNoise(torch.optim.Adam(ps), seed=0, fused=True)
    with pytest.raises(RuntimeError, match="drawn inside step"):
        opt.add_noise()
    for bad, match in (
        (torch.nn.Parameter(torch.zeros(3, dtype=torch.complex64)), "complex"),
        (torch.nn.Parameter(torch.zeros(3, dtype=torch.float64)), "float32, bfloat16 and float16"),
    ):
        bad.grad = torch.zeros_like(bad)
        with pytest.raises(ValueError, match=match):
            gn.GradientNoise(torch.optim.Adam([bad]), seed=0, fused=True).step()
    ps[0].grad = torch.zeros(3)
    with pytest.raises(ValueError, match="t must be an int in"):
        fused_noisy_adam_step(torch.optim.Adam(ps), seed=0, t=2**24, std=0.1)
    with pytest.raises(ValueError, match="backend must be"):
        fused_noisy_adam_step(torch.optim.Adam(ps), seed=0, t=0, std=0.1, backend="cuda")
    assert ps[0].abs().sum() == 0  # nothing was stepped by the refused calls


def test_missing_triton_is_named_before_anything_changes(monkeypatch):
    monkeypatch.setitem(sys.modules, "gradient_noise._fused_kernel", None)  # as if triton were not installed
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.ones(3)
    opt = torch.optim.Adam([p])
    with pytest.raises(ImportError, match=r"install triton"):
        fused_noisy_adam_step(opt, seed=0, t=0, std=0.1, backend="triton")
    assert len(opt.state) == 0 and p.abs().sum() == 0


# ---------------------------------------------------------------------------------------------------------
# the Triton kernel (interpreter on the CPU) against the torch reference
# ---------------------------------------------------------------------------------------------------------


def _interpreter_in_process() -> bool:
    """True when triton was imported in interpreter mode here (the conftest set TRITON_INTERPRET in time)."""
    import triton.language.random as tl_random
    from triton.runtime.interpreter import InterpretedFunction

    return isinstance(tl_random.randn, InterpretedFunction) and not torch.cuda.is_available()


@pytest.fixture(scope="module")
def triton_results(tmp_path_factory):
    if not HAS_TRITON:
        pytest.skip("triton is not installed")
    if _interpreter_in_process():
        return cases.run_all()
    out = tmp_path_factory.mktemp("triton") / "results.pt"
    env = {**os.environ, "TRITON_INTERPRET": "1", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    script = Path(__file__).with_name("_fused_cases.py")
    subprocess.run([sys.executable, str(script), str(out)], check=True, env=env, timeout=300)
    return torch.load(out)


def test_triton_stream_bits_equal_the_reference(triton_results):
    offsets = torch.tensor([o % 2**64 - (2**64 if o % 2**64 >= 2**63 else 0) for o in cases.STREAM_OFFSETS])
    for seed in cases.STREAM_SEEDS:
        words, normal = triton_results["__stream__"][seed]
        key = seed % 2**64
        counters = torch.stack(
            [
                offsets & 0xFFFFFFFF,
                (offsets >> 32) & 0xFFFFFFFF,
                torch.zeros_like(offsets),
                torch.zeros_like(offsets),
            ],
            dim=-1,
        )
        assert torch.equal(words, philox4x32(counters, (key & 0xFFFFFFFF, key >> 32))), seed
        torch.testing.assert_close(normal, philox_randn(seed, offsets), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", list(cases.CASES))
def test_triton_kernel_equals_torch_reference(triton_results, name):
    got, ref = triton_results[name], cases.run(name, backend="torch")
    dtype = cases.config(name)["dtype"]
    for key in ("params", "exp_avg", "exp_avg_sq", "step"):
        for g, r in zip(got[key], ref[key], strict=True):
            assert g.dtype == r.dtype
            if dtype == torch.float32 or key == "step":
                torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6)
            else:  # stored in 16 bits: the float32 results may round to neighbouring values at a few elements
                torch.testing.assert_close(g.float(), r.float(), rtol=1e-2, atol=1e-3)
                assert (g == r).float().mean().item() > 0.98


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed")
def test_kernel_compiles_for_sm90_without_a_gpu():
    """Triton compiles the kernel to PTX and a cubin on the CPU: the compiled path's code is checked, not run."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    script = Path(__file__).with_name("_fused_cases.py")
    out = subprocess.run(
        [sys.executable, str(script), "--compile-sm90"], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert len(out.stdout.strip().splitlines()) == 4


# ---------------------------------------------------------------------------------------------------------
# on CUDA: the compiled kernel
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_TRITON, reason="triton is not installed")
def test_cuda_kernel_equals_reference_and_speed_ratio():
    from paperzoo_shared.bench import time_fn

    for name in cases.CASES:
        got, ref = cases.run(name, backend="auto", device="cuda"), cases.run(name, backend="torch")
        bits16 = cases.config(name)["dtype"] != torch.float32
        for key in ("params", "exp_avg", "exp_avg_sq", "step"):
            for g, r in zip(got[key], ref[key], strict=True):
                if bits16 and key != "step":
                    torch.testing.assert_close(g.float(), r.float(), rtol=1e-2, atol=1e-3)
                else:
                    torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-6, msg=lambda m, n=name: f"{n}: {m}")
    # Adam(fused=True) keeps `step` on the GPU: the kernel computes the bias corrections itself
    a = [torch.nn.Parameter(torch.randn(3000, device="cuda")) for _ in range(2)]
    b = [torch.nn.Parameter(p.detach().cpu().clone()) for p in a]
    oa = gn.GradientNoise(torch.optim.Adam(a, lr=1e-2, fused=True), eta=0.3, seed=9, fused=True)
    ob = gn.GradientNoise(torch.optim.Adam(b, lr=1e-2), eta=0.3, seed=9, fused=True)
    for k in range(3):
        for pa, pb in zip(a, b, strict=True):
            pb.grad = torch.randn(3000, generator=torch.Generator().manual_seed(k))
            pa.grad = pb.grad.cuda()
        oa.step()
        ob.step()
    for pa, pb in zip(a, b, strict=True):
        torch.testing.assert_close(pa.detach().cpu(), pb.detach(), rtol=1e-5, atol=1e-6)
        assert oa.state[pa]["step"].device.type == "cuda" and oa.state[pa]["step"].item() == 3
    # the benchmark's ratio at a smaller scale (printed, not asserted: speed is the benchmark's business)
    params = [torch.nn.Parameter(torch.randn(4 * 2**20, device="cuda")) for _ in range(6)]
    for p in params:
        p.grad = torch.randn_like(p)
    bare = torch.optim.Adam(params, lr=1e-4, fused=True)
    wrapped = gn.GradientNoise(torch.optim.Adam(params, lr=1e-4, fused=True), eta=0.01, seed=0, fused=True)
    ratio = time_fn(wrapped.step, repeat=20).median / time_fn(bare.step, repeat=20).median
    print(f"fused GradientNoise step / bare fused Adam step, 25M params: {ratio:.2f}x")
    assert math.isfinite(ratio)
