"""Bad-input cases of gradient-noise: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .common import FINITE, INF, NAN, finite, hp


def cases(c: Any) -> None:
    import gradient_noise as gn
    from gradient_noise.functional import add_gradient_noise_

    def sgd() -> Any:
        return torch.optim.SGD([nn.Parameter(torch.zeros(3))], lr=0.1)

    api = "gradient_noise.GradientNoise"
    G = lambda **k: gn.GradientNoise(sgd(), **k)  # noqa: E731
    hp(c, api, G, "eta", [-0.1, NAN, INF, "0.1"], r"eta must be")
    hp(c, api, G, "gamma", [0.0, -0.5, NAN], r"gamma must be")
    hp(c, api, G, "order", ["sideways"], r"order must be")
    hp(c, api, G, "schedule", ["cosine", 3], r"schedule must be")
    hp(c, api, G, "clip_norm", [-1.0, 0.0, NAN], r"clip_norm")
    hp(c, api, G, "seed", ["0", 1.5], r"seed must be")
    c.error(
        api, "generator and seed", lambda: G(seed=1, generator=torch.Generator()), r"either generator or seed"
    )
    c.error(api, "a module", lambda: gn.GradientNoise(nn.Linear(2, 2)), r"torch.optim.Optimizer")
    c.error(
        api,
        "a parameter list",
        lambda: gn.GradientNoise(list(nn.Linear(2, 2).parameters())),
        r"torch.optim.Optimizer",
    )
    c.error(
        api, "wrapped twice", lambda: gn.GradientNoise(gn.GradientNoise(sgd())), r"already a GradientNoise"
    )
    c.error(api, "generator='cuda'", lambda: G(generator="cuda"), r"generator")

    def nan_grad_step() -> Any:
        p = nn.Parameter(torch.zeros(3))
        opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.1), seed=0)
        p.grad = torch.tensor([NAN, 0.0, 0.0])
        opt.step()
        return p

    c.accept(
        api + ".step",
        "a NaN gradient",
        nan_grad_step,
        lambda p: bool(torch.isnan(p).any()),
        "NaN propagates as in the plain optimiser",
        match=FINITE,
        warn=FINITE,
    )

    def step_no_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        opt = gn.GradientNoise(torch.optim.SGD([p], lr=0.1), seed=0)
        opt.step()
        return p

    c.accept(
        api + ".step",
        "a parameter without grad",
        step_no_grad,
        lambda p: bool((p == 0).all()),
        "left alone, as torch optimisers do",
    )
    hook = "gradient_noise.register_gradient_noise_hook"
    c.error(
        hook,
        "a module",
        lambda: gn.register_gradient_noise_hook(nn.Linear(2, 2), eta=0.3),
        r"optimizer must be a torch.optim.Optimizer",
    )
    H = lambda **k: gn.register_gradient_noise_hook(sgd(), **k)  # noqa: E731
    hp(c, hook, H, "eta", [-1.0, NAN], r"eta must be")
    hp(c, hook, H, "gamma", [0.0], r"gamma must be")
    hp(c, hook, H, "order", ["x"], r"order must be")
    fn = "gradient_noise.add_gradient_noise_"

    def p_with_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        p.grad = torch.zeros(3)
        return p

    c.error(fn, "std=-1", lambda: add_gradient_noise_([p_with_grad()], -1.0), r"std must be")
    c.error(fn, "std=nan", lambda: add_gradient_noise_([p_with_grad()], NAN), r"std must be")
    c.error(fn, "std='1'", lambda: add_gradient_noise_([p_with_grad()], "1"), r"std")
    c.error(
        fn,
        "a float in the parameter list",
        lambda: add_gradient_noise_([3.0], 1.0),
        r"parameters must be tensors",
    )
    c.error(fn, "parameters=None", lambda: add_gradient_noise_(None, 1.0), r"parameters")

    def sparse() -> Any:
        q = nn.Parameter(torch.zeros(3, 3))
        q.grad = torch.zeros(3, 3).to_sparse()
        add_gradient_noise_([q], 1.0)

    c.error(fn, "a sparse gradient", sparse, r"sparse")

    def no_grad() -> Any:
        p = nn.Parameter(torch.zeros(3))
        add_gradient_noise_([p], 1.0)
        return p

    c.accept(fn, "a parameter without grad", no_grad, lambda p: p.grad is None, "skipped")

    def half_grad() -> Any:
        p = nn.Parameter(torch.zeros(3, dtype=torch.float16))
        p.grad = torch.zeros(3, dtype=torch.float16)
        add_gradient_noise_([p], 1.0, torch.Generator().manual_seed(0))
        return p.grad

    c.accept(
        fn,
        "a float16 gradient",
        half_grad,
        lambda g: g.dtype == torch.float16 and finite(g) and bool(g.abs().sum() > 0),
        "noise in float16",
    )
    for t in (-1, 1.5, "3", NAN):
        c.error("gradient_noise.annealed_std", f"t={t!r}", lambda t=t: gn.annealed_std(t), r"t must be")
    c.error("gradient_noise.annealed_std", "eta=-1", lambda: gn.annealed_std(1, eta=-1.0), r"eta")
    c.error(
        "gradient_noise.annealed_variance", "gamma=0", lambda: gn.annealed_variance(1, gamma=0.0), r"gamma"
    )
    c.error("gradient_noise.AnnealedSchedule", "gamma=-1", lambda: gn.AnnealedSchedule(gamma=-1.0), r"gamma")
    c.error("gradient_noise.AnnealedSchedule", "gamma='x'", lambda: gn.AnnealedSchedule(gamma="x"), r"gamma")
