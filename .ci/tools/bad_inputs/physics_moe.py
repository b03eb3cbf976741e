"""Bad-input cases of physics-moe: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch

from .common import FINITE, INF, NAN, R, finite, first, hp, tensor_inputs, with_nan

F64 = torch.float64


def _inputs(B: int = 2, N: int = 4) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(0)
    b = torch.rand(B, 8, 16, N, generator=g, dtype=F64)
    t, x = torch.linspace(0, 1, 8, dtype=F64), torch.linspace(0, 1, 16, dtype=F64)
    u0 = torch.rand(B, 16, generator=g, dtype=F64)
    return b, t, x, u0


def cases(c: Any) -> None:
    import physics_moe as pm

    b, t, x, u0 = _inputs()
    bc = torch.zeros(2, 8, 2, dtype=F64)
    api = "physics_moe.HardConstraint"
    H = lambda **k: pm.HardConstraint(k.pop("pde", pm.FisherKPP1D()), **({"n_samples": 8} | k))  # noqa: E731
    hp(c, api, H, "n_samples", [0, -5, 1.5, "8"], r"n_samples")
    hp(c, api, H, "experts", [(0, 1), (1,), (1, 1, 1), 2, (1.5, 1)], r"experts")
    hp(c, api, H, "ridge", [-1.0, NAN, INF], r"ridge")
    hp(c, api, H, "max_iter", [0, 1.5], r"max_iter")
    hp(c, api, H, "rtol", [-1.0, NAN], r"rtol")
    hp(c, api, H, "atol", [-1.0, NAN], r"atol")
    hp(c, api, H, "tau", [-1.0, NAN], r"tau")
    hp(c, api, H, "scaling", ["diag"], r"scaling")
    hp(c, api, H, "hessian", ["bfgs"], r"hessian")
    hp(c, api, H, "backward", ["dlm"], r"backward")
    hp(c, api, H, "w_init", [NAN, INF], r"w_init")
    hp(c, api, H, "dtype", [torch.float16, torch.int64, "float64"], r"dtype")
    hp(c, api, H, "eval_seed", [1.5, -1], r"eval_seed")
    hp(c, api, H, "expert_devices", [["tpu"]], r"expert_devices|tpu|device")
    c.error(api, "pde='heat'", lambda: H(pde="heat"), r"pde must be")
    c.error(api, "pde the class, not an instance", lambda: H(pde=pm.Heat1D), r"pde must be")
    c.warn(api, "dtype=float32", lambda: H(dtype=torch.float32), r"float64")
    fwd = api + ".forward"
    tensor_inputs(
        c,
        fwd,
        lambda v: H()(v, t, x, u0).u,
        b,
        arg="basis",
        shape_match=r"basis|shape",
        nan=False,
        empty=False,
        last_dim=False,
    )
    c.error(fwd, "NaN in basis", lambda: H()(with_nan(b), t, x, u0), FINITE)
    c.error(fwd, "inf in u0", lambda: H()(b, t, x, with_nan(u0, INF)), FINITE)
    c.error(fwd, "NaN in bc", lambda: H()(b, t, x, u0, with_nan(bc)), FINITE)
    c.error(fwd, "an empty batch", lambda: H()(b[:0], t, x, u0[:0]), r"B >= 1|empty")
    c.error(fwd, "N = 0 basis functions", lambda: H()(b[..., :0], t, x, u0), r"N >= 1")
    c.error(fwd, "t=None", lambda: H()(b, None, x, u0), r"\bt\b.*([Tt]ensor|None)")
    c.error(fwd, "x as a list", lambda: H()(b, t, x.tolist(), u0), r"\bx\b.*[Tt]ensor")
    c.error(fwd, "u0 as a list", lambda: H()(b, t, x, u0.tolist()), r"u0.*[Tt]ensor")
    c.error(fwd, "bc as a list", lambda: H()(b, t, x, u0, bc.tolist()), r"bc.*[Tt]ensor")
    c.error(fwd, "t of the wrong length", lambda: H()(b, t[:5], x, u0), r"t and x must have shapes")
    c.error(fwd, "x 2-d", lambda: H()(b, t, x[None], u0), r"t and x must have shapes")
    c.error(fwd, "u0 of the wrong width", lambda: H()(b, t, x, u0[:, :5]), r"u0 must have shape")
    c.error(fwd, "bc of the wrong shape", lambda: H()(b, t, x, u0, torch.zeros(2, 8)), r"bc must have shape")
    c.error(fwd, "t decreasing", lambda: H()(b, t.flip(0), x, u0), r"\bt\b.*increasing")
    c.error(
        fwd, "x with a repeated node", lambda: H()(b, t, torch.cat([x[:1], x[:-1]]), u0), r"\bx\b.*increasing"
    )
    c.error(fwd, "integer basis", lambda: H()(b.round().long(), t, x, u0), r"basis.*(floating|dtype)")
    c.error(
        fwd,
        "complex basis",
        lambda: H()(b.to(torch.complex128), t, x, u0),
        r"basis.*(floating|dtype|complex)",
    )
    c.accept(
        fwd,
        "float32 basis, float64 t/x/u0",
        lambda: H()(b.float(), t, x, u0).u,
        lambda r: r.dtype == torch.float32 and finite(r),
        "solved in float64, u in the basis dtype",
    )
    c.accept(
        fwd,
        "float32 t, x and u0",
        lambda: H()(b, t.float(), x.float(), u0.float()).u,
        lambda r: r.dtype == F64 and finite(r),
        "cast to the solve dtype",
    )
    c.warn(fwd, "bfloat16 basis", lambda: H()(b.bfloat16(), t, x, u0), r"cast to torch.float64")
    c.error(
        fwd,
        "n_samples larger than a block",
        lambda: H(n_samples=1000)(b, t, x, u0),
        r"n_samples=1000 exceeds",
    )
    c.warn(fwd, "n_samples < N", lambda: H(n_samples=2)(b, t, x, u0), r"underdetermine")
    c.error(
        fwd,
        "ic_relative with zeros in u0",
        lambda: H(ic_relative=True)(b, t, x, torch.zeros_like(u0)),
        r"ic_relative=False",
    )
    c.error(fwd, "generator a seed", lambda: H()(b, t, x, u0, generator=0), r"generator")
    api = "physics_moe.MoEHardConstraint"
    M = lambda **k: pm.MoEHardConstraint(pm.FisherKPP1D(), **({"n_samples": 8} | k))  # noqa: E731
    c.error(
        api + ".forward",
        "n_x=16 with 3 experts along x",
        lambda: M(experts=(1, 3))(b, t, x, u0),
        r"not divisible by 3 experts",
    )
    hp(c, api, M, "experts", [(0, 2), (2,), "12"], r"experts")
    c.accept(
        api + ".forward",
        "experts (2, 2)",
        lambda: M(experts=(2, 2))(b, t, x, u0).u,
        lambda r: r.shape == (2, 8, 16) and finite(r),
        "the assembled u",
    )
    api = "physics_moe.SoftConstraint.forward"
    tensor_inputs(
        c,
        api,
        lambda v: pm.SoftConstraint()(v),
        R(2, 8, 16, 1),
        arg="out",
        shape_match=r"\(B, n_t, n_x, 1\)|out",
        last_dim=True,
        nan=False,
    )
    c.error(api, "NaN in out", lambda: pm.SoftConstraint()(with_nan(R(2, 8, 16, 1))), FINITE)

    # ------------------------------------------------------------------------------------------ PDEs
    hp(c, "physics_moe.Heat1D", lambda **k: pm.Heat1D(**k), "nu", [0.0, -1.0, NAN, INF, "0.01"], r"nu")
    hp(c, "physics_moe.FisherKPP1D", lambda **k: pm.FisherKPP1D(**k), "D", [0.0, NAN, INF], r"\bD\b")
    hp(c, "physics_moe.FisherKPP1D", lambda **k: pm.FisherKPP1D(**k), "rho", [NAN, INF, -1.0], r"rho")
    hp(
        c,
        "physics_moe.DiffusionSorption1D",
        lambda **k: pm.DiffusionSorption1D(**k),
        "phi",
        [0.0, 1.0, NAN],
        r"phi",
    )
    hp(
        c,
        "physics_moe.DiffusionSorption1D",
        lambda **k: pm.DiffusionSorption1D(**k),
        "D",
        [-1.0, NAN],
        r"\bD\b",
    )
    c.error("physics_moe.get_pde", "'wave'", lambda: pm.get_pde("wave"), r"unknown PDE 'wave'")
    c.error(
        "physics_moe.get_pde",
        "an unknown parameter",
        lambda: pm.get_pde("heat", D=1.0),
        r"\bD\b|parameter|nu",
    )
    c.error("physics_moe.get_pde", "name=3", lambda: pm.get_pde(3), r"PDE|name")
    api = "physics_moe.fd_residual"
    u = R(2, 8, 16, dtype=F64)
    c.error(api, "u 2-d", lambda: pm.fd_residual(pm.Heat1D(), u[0, 0], t, x), r"\bu\b.*shape|\(B, n_t, n_x\)")
    c.error(api, "t of the wrong length", lambda: pm.fd_residual(pm.Heat1D(), u, t[:5], x), r"\bt\b|nodes")
    c.error(api, "pde a str", lambda: pm.fd_residual("heat", u, t, x), r"pde")
    api = "physics_moe.fd_first"
    for fn in ("fd_first", "fd_second"):
        f = getattr(pm, fn)
        api = f"physics_moe.{fn}"
        c.error(api, "coords of the wrong length", lambda f=f: f(u, x[:5], -1), r"coords has 5")
        c.error(api, "coords 2-d", lambda f=f: f(u, x[None], -1), r"coords must be 1-D")
        c.error(api, "one node", lambda f=f: f(u[..., :1], x[:1], -1), r"at least (2|3) nodes")
        c.error(api, "u a list", lambda f=f: f(u.tolist(), x, -1), r"\bu\b.*tensor")
        c.error(api, "dim=3 for a 3-d u", lambda f=f: f(u, x, 3), r"dim")
        c.error(
            api, "repeated coords", lambda f=f: f(u, torch.zeros(16, dtype=F64), -1), r"coords.*increasing"
        )
        c.accept(
            api,
            "float32 u, float64 coords",
            lambda f=f: f(u.float(), x, -1),
            lambda r: r.dtype in (torch.float32, F64) and finite(r),
            "a finite derivative",
        )

    # ------------------------------------------------------------------------------------ partition
    api = "physics_moe.partition"
    g = torch.zeros(8, 16)
    c.error(api, "16 not divisible by 3", lambda: pm.partition(g, (1, 3)), r"not divisible by 3 experts")
    c.error(api, "experts of the wrong length", lambda: pm.partition(g, (1, 2, 2)), r"experts")
    c.error(api, "experts (0, 2)", lambda: pm.partition(g, (0, 2)), r"experts must be >= 1")
    c.error(api, "x a list", lambda: pm.partition(g.tolist(), (1, 2)), r"\bx\b.*[Tt]ensor")
    c.error(api, "start_dim=5", lambda: pm.partition(g, (1, 2), start_dim=5), r"start_dim")
    c.error(api, "experts 1.5", lambda: pm.partition(g, (1.5, 2)), r"experts")
    c.accept(
        "physics_moe.unpartition(partition(x))",
        "round trip",
        lambda: pm.unpartition(pm.partition(R(8, 16), (2, 4)), (2, 4)),
        lambda r: bool(torch.equal(r, R(8, 16))),
        "identity",
    )
    c.error(
        "physics_moe.unpartition",
        "wrong number of experts",
        lambda: pm.unpartition(pm.partition(g, (2, 4)), (1, 2)),
        r"experts",
    )
    c.error(
        "physics_moe.expert_index_map",
        "16 not divisible by 3",
        lambda: pm.expert_index_map((8, 16), (1, 3)),
        r"not divisible",
    )

    # ---------------------------------------------------------------------------------- LM / solver
    api = "physics_moe.levenberg_marquardt"

    def lin(w: torch.Tensor) -> torch.Tensor:
        return torch.stack([w[0] - 1.0, w[1] + 2.0, w[0] + w[1]])

    w0 = torch.zeros(3, 2, dtype=F64)
    L = lambda **k: pm.levenberg_marquardt(k.pop("residual_fn", lin), k.pop("w0", w0), **k)  # noqa: E731
    hp(c, api, L, "max_iter", [0, 1.5], r"max_iter")
    hp(c, api, L, "scaling", ["diag"], r"scaling")
    hp(c, api, L, "rtol", [-1.0, NAN], r"rtol")
    hp(c, api, L, "atol", [-1.0, NAN], r"atol")
    hp(c, api, L, "tau", [-1.0, NAN], r"tau")
    hp(c, api, L, "residual_fn", ["lin"], r"residual_fn")
    c.error(api, "w0 1-d", lambda: L(w0=w0[0]), r"w0 must have shape \(S, N\)")
    c.error(api, "w0 a list", lambda: L(w0=w0.tolist()), r"w0.*[Tt]ensor")
    c.error(api, "NaN in w0", lambda: L(w0=with_nan(w0)), FINITE)
    c.error(api, "integer w0", lambda: L(w0=w0.long()), r"w0.*(floating|dtype)")
    c.accept(
        api,
        "a linear least-squares problem",
        lambda: L(tau=0.0)[0],
        lambda r: finite(r) and r.shape == (3, 2),
        "a finite solution",
    )
    c.error(api, "args of another batch size", lambda: L(args=(torch.zeros(2),)), r"args|batch|leading|size")
    api = "physics_moe.SolveSpec"
    hp(c, api, lambda **k: pm.SolveSpec(**({"pde": pm.Heat1D()} | k)), "hessian", ["bfgs"], r"hessian")
    hp(c, api, lambda **k: pm.SolveSpec(**({"pde": pm.Heat1D()} | k)), "ridge", [-1.0, NAN], r"ridge")
    hp(c, api, lambda **k: pm.SolveSpec(**({"pde": pm.Heat1D()} | k)), "max_iter", [0], r"max_iter")
    c.error(api, "pde a str", lambda: pm.SolveSpec(pde="heat"), r"pde")
    api = "physics_moe.solve_lsq"
    spec = pm.SolveSpec(pde=pm.Heat1D())
    T = torch.rand(3, 2, 5, 4, dtype=F64)
    A, y = torch.rand(3, 2, 4, dtype=F64), torch.rand(3, 2, dtype=F64)
    c.error(
        api, "backward='dlm'", lambda: pm.solve_lsq(T, A, y, spec, backward="dlm"), r"backward must be one of"
    )
    c.error(api, "A of another batch", lambda: pm.solve_lsq(T, A[:2], y, spec), r"\bA\b|shape|batch")
    c.error(api, "y of the wrong width", lambda: pm.solve_lsq(T, A, y[:, :1], spec), r"\by\b|shape")
    c.error(api, "T 3-d", lambda: pm.solve_lsq(T[0], A, y, spec), r"\bT\b|shape")
    c.error(api, "spec a dict", lambda: pm.solve_lsq(T, A, y, {"pde": "heat"}), r"spec")
    c.error(
        api,
        "w0 of the wrong shape",
        lambda: pm.solve_lsq(T, A, y, spec, w0=torch.ones(3, 5, dtype=F64)),
        r"w0",
    )

    # -------------------------------------------------------------------------------------- models
    api = "physics_moe.FNO2d"
    hp(
        c,
        api,
        lambda **k: pm.FNO2d(**({"out_channels": 4, "width": 8, "modes": (2, 2)} | k)),
        "width",
        [0, 2.5],
        r"width",
    )
    hp(
        c,
        api,
        lambda **k: pm.FNO2d(**({"out_channels": 4, "width": 8, "modes": (2, 2)} | k)),
        "n_layers",
        [0, 1.5],
        r"n_layers",
    )
    hp(
        c,
        api,
        lambda **k: pm.FNO2d(**({"out_channels": 4, "width": 8, "modes": (2, 2)} | k)),
        "modes",
        [(0, 2), (2,), 2, (2.5, 2)],
        r"modes",
    )
    hp(
        c,
        api,
        lambda **k: pm.FNO2d(**({"width": 8, "modes": (2, 2)} | k)),
        "out_channels",
        [0, 1.5],
        r"out_channels",
    )
    hp(c, api, lambda **k: pm.FNO2d(**({"width": 8, "modes": (2, 2)} | k)), "fc", [0], r"fc")
    inp = pm.operator_input(t.float(), x.float(), u0.float())
    tensor_inputs(
        c,
        api + ".forward",
        lambda v: pm.FNO2d(out_channels=4, width=8, modes=(2, 2))(v),
        inp,
        arg="inp",
        shape_match=r"inp|in_channels|shape|\(B, n_t, n_x",
    )
    c.accept(
        api + ".forward",
        "modes larger than the grid",
        lambda: pm.FNO2d(out_channels=4, width=8, modes=(8, 8))(inp),
        lambda r: r.shape == (2, 8, 16, 4) and finite(r),
        "the modes the grid holds are used (as FNO layers do)",
        match=r"modes|grid",
    )
    api = "physics_moe.operator_input"
    c.error(api, "u0 1-d", lambda: pm.operator_input(t, x, u0[0]), r"u0.*\(B, n_x\)|u0")
    c.error(api, "x of the wrong length", lambda: pm.operator_input(t, x[:5], u0), r"\bx\b|u0|n_x")
    c.error(api, "t with one node", lambda: pm.operator_input(t[:1], x, u0), r"\bt\b")
    c.error(api, "t constant", lambda: pm.operator_input(torch.zeros(8, dtype=F64), x, u0), r"\bt\b")

    # -------------------------------------------------------------------------------------- losses
    api = "physics_moe.relative_l2"
    p = R(2, 8, 16)
    c.error(api, "shapes differ", lambda: pm.relative_l2(p, p[:, :4]), r"same shape")
    c.error(api, "pred a list", lambda: pm.relative_l2(p.tolist(), p), r"pred.*[Tt]ensor")
    c.error(api, "pred 1-d", lambda: pm.relative_l2(p[0, 0], p[0, 0]), r"pred|batch|dim")
    c.accept(
        api,
        "a NaN in pred",
        lambda: pm.relative_l2(with_nan(p), p),
        lambda r: bool(torch.isnan(first(r)).any()),
        "the NaN propagates",
    )
    api = "physics_moe.physics_loss"
    uu = R(2, 8, 16, dtype=F64)
    P = lambda **k: pm.physics_loss(
        k.pop("pde", pm.Heat1D()), k.pop("u", uu), k.pop("t", t), k.pop("x", x), k.pop("u0", u0), **k
    )  # noqa: E731
    hp(c, api, P, "w_pde", [-1.0, NAN], r"w_pde")
    hp(c, api, P, "w_ic", [-1.0, NAN], r"w_ic")
    hp(c, api, P, "w_bc", [-1.0, NAN], r"w_bc")
    c.error(api, "u0 of the wrong width", lambda: P(u0=u0[:, :5]), r"u0")
    c.error(api, "u 2-d", lambda: P(u=uu[0]), r"\bu\b")
    c.error(api, "bc of the wrong shape", lambda: P(bc=torch.zeros(2, 8)), r"bc")
    c.error(api, "pde a str", lambda: P(pde="heat"), r"pde")
    c.error(api, "u a list", lambda: P(u=uu.tolist()), r"\bu\b.*[Tt]ensor")

    # ----------------------------------------------------------------------------------------- data
    api = "physics_moe.fisher_kpp_dataset"
    D = lambda **k: pm.fisher_kpp_dataset(**({"n": 2, "nx": 8, "nt": 4} | k))  # noqa: E731
    hp(c, api, D, "n", [0, 1.5], r"\bn\b")
    hp(c, api, D, "nx", [2, 8.5], r"nx")
    hp(c, api, D, "nt", [1], r"nt")
    hp(c, api, D, "x_range", [(1.0, 1.0), (2.0, 1.0), (0.0, NAN)], r"x_range")
    hp(c, api, D, "t_range", [(1.0, 0.0)], r"t_range")
    hp(c, api, D, "x0_range", [(NAN, 1.0)], r"x0_range")
    hp(c, api, D, "dtype", [torch.int64], r"dtype")
    hp(c, api, D, "seed", [1.5], r"seed")
    api = "physics_moe.heat_modes"
    hp(c, api, lambda **k: pm.heat_modes(x, t, **({"n_modes": 3} | k)), "n_modes", [0, -1, 2.5], r"n_modes")
    hp(c, api, lambda **k: pm.heat_modes(x, t, 3, **k), "nu", [-1.0, NAN], r"nu")
    c.error("physics_moe.heat_exact", "a 1-d", lambda: pm.heat_exact(x, t, torch.ones(3)), r"\ba\b")
    c.error(
        "physics_moe.heat_exact", "x a list", lambda: pm.heat_exact(x.tolist(), t, torch.ones(2, 3)), r"\bx\b"
    )
    c.error(
        "physics_moe.fisher_kpp_exact", "x0 2-d", lambda: pm.fisher_kpp_exact(x, t, torch.ones(2, 2)), r"x0"
    )
