"""Bad-input cases of regneuralde: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .common import DTYPE, NAN, R, hp, with_nan


def cases(c: Any) -> None:
    from regneuralde import (
        BrownianPath,
        ExponentialLambda,
        NeuralODE,
        NeuralSDE,
        TimeConcatMLP,
        combined_regularizer,
        error_regularizer,
        solve_ivp,
        solve_sde,
        stiffness_regularizer,
    )

    D = torch.float64
    f = lambda t, z: -z  # noqa: E731
    z0 = torch.ones(2, dtype=D)
    api = "regneuralde.solve_ivp"
    S = lambda **k: solve_ivp(f, z0, (0.0, 1.0), **k)  # noqa: E731
    hp(c, api, S, "rtol", [0.0, -1.0, NAN], r"rtol must be > 0")
    hp(c, api, S, "atol", [-1.0, NAN], r"atol must be >= 0")
    hp(c, api, S, "method", ["euler", None], r"method must be")
    hp(c, api, S, "controller", ["pid"], r"controller must be")
    hp(c, api, S, "dense", ["cubic"], r"dense must be one of")
    hp(c, api, S, "max_steps", [0, -1, 2.5], r"max_steps")
    hp(c, api, S, "first_step", [0.0, -0.1, NAN], r"first_step")
    hp(c, api, S, "stiffness_norm", ["l1"], r"stiffness_norm")
    c.error(api, "t_eval decreasing", lambda: solve_ivp(f, z0, (1.0, 0.0)), r"strictly increasing")
    c.error(api, "t_eval with one point", lambda: solve_ivp(f, z0, [0.0]), r"t_eval|two|at least")
    c.error(api, "t_eval with NaN", lambda: solve_ivp(f, z0, [0.0, NAN]), r"t_eval|finite|increasing")
    c.error(api, "t_eval 2-d", lambda: solve_ivp(f, z0, torch.zeros(2, 2, dtype=D)), r"t_eval")
    c.error(
        api,
        "f returns another shape",
        lambda: solve_ivp(lambda t, z: z[:1], z0, (0.0, 1.0)),
        r"like the state",
    )
    c.error(api, "f returns NaN", lambda: solve_ivp(lambda t, z: z * NAN, z0, (0.0, 1.0)), r"non-finite")
    c.error(api, "f returns None", lambda: solve_ivp(lambda t, z: None, z0, (0.0, 1.0)), r"f|tensor|returned")
    c.error(
        api,
        "stiff with max_steps=5",
        lambda: solve_ivp(lambda t, z: -1000 * z, z0, (0.0, 10.0), rtol=1e-10, atol=1e-10, max_steps=5),
        r"max_steps",
    )
    c.error(
        api, "z0 int64", lambda: solve_ivp(f, torch.ones(2, dtype=torch.long), (0.0, 1.0)), r"floating-point"
    )
    c.error(
        api,
        "z0 empty",
        lambda: solve_ivp(f, torch.ones(0, 3, dtype=D), (0.0, 1.0)),
        r"z0 must hold at least one value",
    )
    c.error(
        api,
        "z0 holding NaN",
        lambda: solve_ivp(f, with_nan(torch.ones(4, dtype=D)), (0.0, 1.0)),
        r"z0|non-finite|NaN",
    )
    c.error(api, "z0=None", lambda: solve_ivp(f, None, (0.0, 1.0)), r"z0")
    c.warn(
        api, "float32 at rtol=1e-8", lambda: solve_ivp(f, torch.ones(2), (0.0, 1.0), rtol=1e-8), r"float32"
    )
    c.accept(
        api,
        "float32 at the default tolerance",
        lambda: solve_ivp(f, torch.ones(2), (0.0, 1.0))[0],
        lambda r: r.dtype == torch.float32 and abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-4,
        "float32, accurate",
    )
    c.accept(
        api,
        "t_eval as a list",
        lambda: solve_ivp(f, z0, [0.0, 0.5, 1.0])[0],
        lambda r: r.shape == (3, 2) and abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-5,
        "solution at the points",
    )

    def tight() -> Any:
        g = lambda t, z: torch.stack([z[1], -torch.sin(z[0])])  # noqa: E731
        ref, _ = solve_ivp(
            g, torch.tensor([1.0, 0.0], dtype=D), torch.linspace(0, 5, 17, dtype=D), rtol=1e-12, atol=1e-12
        )
        got, _ = solve_ivp(
            g, torch.tensor([1.0, 0.0], dtype=D), torch.linspace(0, 5, 17, dtype=D), rtol=1e-8, atol=1e-8
        )
        return float((got - ref).abs().max())

    c.accept(
        api,
        "rtol=1e-8 at output times (pendulum)",
        tight,
        lambda e: e < 1e-6,
        "error at output times near the tolerance",
    )
    api = "regneuralde.NeuralODE"
    N = lambda **k: NeuralODE(nn.Linear(2, 2), **k)  # noqa: E731
    hp(c, api, N, "regularize", ["taylor"], r"regularize")
    hp(c, api, N, "t_span", [(1.0, 0.0), (0.0,)], r"t_span")
    hp(c, api, N, "steer_b", [2.0, -0.1], r"steer_b")
    hp(c, api, N, "rtol", [0.0], r"rtol")
    hp(c, api, N, "method", ["rk4"], r"method")
    hp(c, api, N, "reduction", ["median"], r"reduction")
    c.accept(
        api,
        "func a plain function",
        lambda: NeuralODE(lambda t, z: -z)(torch.ones(2, 2))[0],
        lambda r: abs(float(r[-1, 0]) - float(np.exp(-1))) < 1e-4,
        "solved like a module",
        match=r"func",
    )
    node = lambda: NeuralODE(TimeConcatMLP(3, 8), regularize="error").double()  # noqa: E731
    c.error(
        api + ".forward",
        "empty batch",
        lambda: node()(torch.ones(0, 3, dtype=D)),
        r"z0 must hold at least one value",
    )
    c.error(
        api + ".forward",
        "z0 of the wrong width",
        lambda: node()(torch.ones(2, 4, dtype=D)),
        r"z0|shape|size|4",
    )
    c.accept(
        api + ".forward",
        "z0 float32 into a float64 module",
        lambda: node()(torch.ones(2, 3)),
        lambda r: True,
        "",
        match=DTYPE,
    )
    c.error(
        api + ".forward",
        "t_eval decreasing",
        lambda: node()(torch.ones(2, 3, dtype=D), torch.tensor([1.0, 0.0], dtype=D)),
        r"increasing",
    )
    api = "regneuralde.solve_sde"
    drift, diff = (lambda t, z: -z), (lambda t, z: 0.1 * z)
    SS = lambda **k: solve_sde(drift, diff, z0, (0.0, 1.0), **k)  # noqa: E731
    hp(c, api, SS, "rtol", [0, -1.0], r"rtol must be > 0")
    hp(c, api, SS, "atol", [-1.0], r"atol")
    hp(c, api, SS, "dt", [0.0, -0.1], r"dt")
    hp(c, api, SS, "max_steps", [0], r"max_steps")
    c.accept(
        api,
        "adaptive=False without dt",
        lambda: SS(adaptive=False)[1],
        lambda st: st.n_accepted == 100,
        "the documented default dt = (t1 - t0) / 100",
    )
    c.error(api, "t_eval decreasing", lambda: solve_sde(drift, diff, z0, (1.0, 0.0)), r"strictly increasing")
    c.error(
        api,
        "non-diagonal noise",
        lambda: solve_sde(drift, lambda t, z: z[:1], z0, (0.0, 1.0)),
        r"diagonal noise",
    )
    c.error(
        api, "drift returns NaN", lambda: solve_sde(lambda t, z: z * NAN, diff, z0, (0.0, 1.0)), r"non-finite"
    )
    c.error(api, "max_steps=5", lambda: SS(adaptive=False, dt=0.01, max_steps=5), r"max_steps")
    c.error(api, "Brownian path of another shape", lambda: SS(bm=BrownianPath(0.0, (3,))), r"bm has shape")
    c.error(
        api,
        "z0 int64",
        lambda: solve_sde(drift, diff, torch.ones(2, dtype=torch.long), (0.0, 1.0)),
        r"floating-point",
    )
    c.error(
        api,
        "empty z0",
        lambda: solve_sde(drift, diff, torch.ones(0, 2, dtype=D), (0.0, 1.0)),
        r"z0 must hold at least one value",
    )
    c.error(
        api,
        "bm and generator",
        lambda: SS(bm=BrownianPath(0.0, (2,)), generator=torch.Generator()),
        r"bm|generator",
    )
    c.error(
        "regneuralde.BrownianPath", "query before t0", lambda: BrownianPath(1.0, (2,))(0.5), r"t|t0|before"
    )
    c.error(
        "regneuralde.BrownianPath",
        "an int dtype",
        lambda: BrownianPath(0.0, (2,), dtype=torch.long),
        r"dtype|floating",
    )
    c.error(
        "regneuralde.NeuralSDE",
        "regularize='stiffness'",
        lambda: NeuralSDE(nn.Identity(), nn.Identity(), regularize="stiffness"),
        r"regularize",
    )
    c.error(
        "regneuralde.NeuralSDE", "rtol=0", lambda: NeuralSDE(nn.Identity(), nn.Identity(), rtol=0.0), r"rtol"
    )
    api = "regneuralde (regularizers)"
    c.error(
        api,
        "ExponentialLambda lam0=0",
        lambda: ExponentialLambda(0.0, 10.0, 100),
        r"lam0 and lam1 must be > 0",
    )
    c.error(
        api, "ExponentialLambda total=0", lambda: ExponentialLambda(100.0, 10.0, 0), r"total must be >= 1"
    )
    c.error(api, "ExponentialLambda step=-1", lambda: ExponentialLambda(100.0, 10.0, 10)(-1), r"step")
    c.error(api, "ExponentialLambda lam0=nan", lambda: ExponentialLambda(NAN, 10.0, 10), r"lam0")
    _, stats = solve_ivp(f, z0, (0.0, 1.0))
    c.error(
        api,
        "error_regularizer reduction='median'",
        lambda: error_regularizer(stats, "median"),
        r"reduction must be one of",
    )
    c.error(
        api,
        "stiffness_regularizer reduction='median'",
        lambda: stiffness_regularizer(stats, "median"),
        r"reduction",
    )
    c.error(
        api,
        "combined_regularizer stiff_weight=-1",
        lambda: combined_regularizer(stats, -1.0),
        r"stiff_weight",
    )
    c.error(api, "error_regularizer of None", lambda: error_regularizer(None), r"stats")
    c.error("regneuralde.TimeConcatMLP", "dim=0", lambda: TimeConcatMLP(0), r"dim")
    c.error(
        "regneuralde.TimeConcatMLP",
        "x of the wrong width",
        lambda: TimeConcatMLP(2)(torch.tensor(0.0), R(3, 4)),
        r"x|dim|shape",
    )
