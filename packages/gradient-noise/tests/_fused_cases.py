"""Cases for the fused step, shared by tests/test_fused.py and the Triton-interpreter subprocess it starts.

Run as a script (``TRITON_INTERPRET=1 python tests/_fused_cases.py OUT.pt``) it runs every case through the
Triton kernel on CPU tensors, plus the raw stream through ``tl.randint4x``/``tl.randn``, and saves the results;
the tests compare them with the pure-torch reference computed in their own process.
"""

from __future__ import annotations

import sys
from typing import Any

import torch

from gradient_noise.fused import fused_noisy_adam_step

# name -> (optimiser, its kwargs, param dtype, param shapes, std, seed, t of the first step, steps, step_in_kernel)
CASES: dict[str, dict[str, Any]] = {
    "adam": dict(opt="Adam", kw={"lr": 1e-2}, dtype=torch.float32, shapes=[(37, 29), (1000,), (5,)]),
    "adamw": dict(opt="AdamW", kw={"lr": 1e-2, "weight_decay": 0.1}, dtype=torch.float32, shapes=[(2100,)]),
    "adam_decoupled_flag": dict(
        opt="Adam", kw={"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}, shapes=[(300,)]
    ),
    "adam_wd_maximize": dict(
        opt="Adam", kw={"lr": 1e-2, "weight_decay": 0.05, "maximize": True}, shapes=[(700,)]
    ),
    "bf16": dict(opt="Adam", kw={"lr": 1e-2}, dtype=torch.bfloat16, shapes=[(33, 40)]),
    "fp16": dict(opt="AdamW", kw={"lr": 1e-3, "weight_decay": 0.01}, dtype=torch.float16, shapes=[(1500,)]),
    "large_lerp_weight": dict(opt="Adam", kw={"lr": 1e-2, "betas": (0.3, 0.99)}, shapes=[(500,)]),
    "no_noise": dict(opt="Adam", kw={"lr": 1e-2}, shapes=[(400,)], std=0.0),
    "step_in_kernel": dict(
        opt="AdamW", kw={"lr": 1e-2, "weight_decay": 0.1}, shapes=[(1100,)], step_in_kernel=True
    ),
    "large_counters": dict(opt="Adam", kw={"lr": 1e-2}, shapes=[(1030,)], seed=-(2**62) - 12345, t=2**24 - 3),
    "groups_and_no_grad": dict(opt="Adam", kw={"lr": 1e-2}, shapes=[(300,), (200,), (500,)], groups=True),
}
DEFAULTS: dict[str, Any] = dict(dtype=torch.float32, std=0.7, seed=1234, t=3, steps=3, step_in_kernel=None)

# the raw stream: (seed, offsets) pairs, offsets as int64 (some past 2**32, 2**40 and 2**63)
STREAM_SEEDS = (0, 1234, 2**40 + 5, -7, 2**63 + 99)
STREAM_OFFSETS = [
    0,
    1,
    2,
    1023,
    1024,
    2**31,
    2**32 - 1,
    2**32,
    2**40 + 17,
    (3 << 40) + 5,
    2**62 + 1,
    -(2**62),
]


def config(name: str) -> dict[str, Any]:
    return {**DEFAULTS, **CASES[name]}


def build(
    name: str, device: str = "cpu"
) -> tuple[torch.optim.Optimizer, list[torch.nn.Parameter], dict[str, Any]]:
    """The case's parameters (deterministic values) and optimiser."""
    cfg = config(name)
    gen = torch.Generator().manual_seed(sum(map(ord, name)))
    params = [
        torch.nn.Parameter((torch.randn(s, generator=gen) * 0.5).to(device=device, dtype=cfg["dtype"]))
        for s in cfg["shapes"]
    ]
    cls = getattr(torch.optim, cfg["opt"])
    kw = dict(cfg["kw"])
    if cfg["step_in_kernel"] and device != "cpu":
        kw["fused"] = True  # torch's fused Adam keeps `step` on the GPU: the kernel reads it there
    if cfg.get("groups"):
        groups = [{"params": params[:2]}, {"params": params[2:], "lr": 3e-2}]
        opt = cls(groups, **kw)
    else:
        opt = cls(params, **kw)
    return opt, params, cfg


def gradients(name: str, step: int, params: list[torch.nn.Parameter]) -> None:
    """Deterministic gradients of ``step``; in the grouped case the second parameter never has one."""
    gen = torch.Generator().manual_seed(1000 * step + sum(map(ord, name)))
    for i, p in enumerate(params):
        g = torch.randn(p.shape, generator=gen)
        p.grad = None if (config(name).get("groups") and i == 1) else g.to(device=p.device, dtype=p.dtype)


def stds(name: str, opt: torch.optim.Optimizer) -> list[float]:
    cfg = config(name)
    return [cfg["std"] * (1 + 0.5 * i) for i in range(len(opt.param_groups))]


def run(name: str, backend: str, device: str = "cpu") -> dict[str, list[torch.Tensor]]:
    """Run the case for its steps; return parameters, moments and step counts (on the CPU)."""
    opt, params, cfg = build(name, device)
    for k in range(cfg["steps"]):
        gradients(name, k, params)
        fused_noisy_adam_step(
            opt,
            seed=cfg["seed"],
            t=cfg["t"] + k,
            std=stds(name, opt),
            backend=backend,
            step_in_kernel=cfg["step_in_kernel"] if device == "cpu" else None,
        )
    live = [p for p in params if p in opt.state]
    return {
        "params": [p.detach().cpu().clone() for p in params],
        "exp_avg": [opt.state[p]["exp_avg"].cpu().clone() for p in live],
        "exp_avg_sq": [opt.state[p]["exp_avg_sq"].cpu().clone() for p in live],
        "step": [opt.state[p]["step"].cpu().clone() for p in live],
    }


def triton_stream() -> dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]]:
    """``tl.randint4x`` words and ``tl.randn`` of every (seed, offset) pair, straight from Triton."""
    import triton
    import triton.language as tl

    @triton.jit
    def stream_kernel(offsets_ptr, words_ptr, normal_ptr, seed, N: tl.constexpr):
        i = tl.arange(0, N)
        off = tl.load(offsets_ptr + i)
        w0, w1, w2, w3 = tl.randint4x(seed, off)
        tl.store(words_ptr + 4 * i, w0.to(tl.int64, bitcast=False) & 0xFFFFFFFF)
        tl.store(words_ptr + 4 * i + 1, w1.to(tl.int64, bitcast=False) & 0xFFFFFFFF)
        tl.store(words_ptr + 4 * i + 2, w2.to(tl.int64, bitcast=False) & 0xFFFFFFFF)
        tl.store(words_ptr + 4 * i + 3, w3.to(tl.int64, bitcast=False) & 0xFFFFFFFF)
        tl.store(normal_ptr + i, tl.randn(seed, off))

    offsets = torch.tensor([o % 2**64 - (2**64 if o % 2**64 >= 2**63 else 0) for o in STREAM_OFFSETS])
    n = 16
    padded = torch.zeros(n, dtype=torch.int64)
    padded[: len(offsets)] = offsets
    out = {}
    for seed in STREAM_SEEDS:
        words = torch.zeros(n, 4, dtype=torch.int64)
        normal = torch.zeros(n, dtype=torch.float32)
        s = seed % 2**64
        stream_kernel[(1,)](padded, words, normal, s - 2**64 if s >= 2**63 else s, N=n)
        out[seed] = (words[: len(offsets)], normal[: len(offsets)])
    return out


def run_all() -> dict[str, Any]:
    """Every case through the Triton kernel, and the raw stream (key ``"__stream__"``)."""
    results: dict[str, Any] = {name: run(name, backend="triton") for name in CASES}
    results["__stream__"] = triton_stream()
    return results


def compile_for_sm90() -> list[str]:
    """Compile the kernel ahead of time for an H100-class GPU (sm_90) in several specialisations: Triton's frontend,
    LLVM and ptxas all run on the CPU, so this checks the compiled path's code without a GPU (not its results)."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    from gradient_noise._fused_kernel import noisy_adam_kernel

    floats = ["std", "lr", "w1", "beta2", "omb2", "weight_decay", "decay", "eps", "neg_step_size", "bc2_sqrt"]
    flags = ["HAS_NOISE", "MAXIMIZE", "WEIGHT_DECAY", "LERP_SMALL", "STEP_ON_DEVICE", "BLOCK"]
    done = []
    for dt, noise, maximize, wd, lerp, on_device, n_ty in [
        ("fp32", True, False, 0, True, False, "i32"),
        ("bf16", True, True, 1, True, True, "i64"),
        ("fp16", True, False, 2, False, True, "i32"),
        ("fp32", False, True, 2, True, True, "i64"),
    ]:
        sig = {name: f"*{dt}" for name in ("p_ptr", "g_ptr", "m_ptr", "v_ptr")}
        sig |= {"step_ptr": "*fp32", "n_elements": n_ty, "seed": "i64", "counter_base": "i64"}
        sig |= {name: "fp32" for name in [*floats, "ln_beta1", "ln_beta2"]} | {f: "constexpr" for f in flags}
        values = [noise, maximize, wd, lerp, on_device, 1024]
        src = ASTSource(noisy_adam_kernel, sig, dict(zip(flags, values, strict=True)))
        compiled = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": 4})
        assert "mul.hi.u32" in compiled.asm["ptx"] or not noise  # Philox's multiply-high
        done.append(f"{dt} noise={noise} wd={wd} step_on_device={on_device}")
    return done


if __name__ == "__main__":
    if sys.argv[1] == "--compile-sm90":
        print("\n".join(compile_for_sm90()))
    else:
        torch.save(run_all(), sys.argv[1])
