"""Bad-input cases of lssl: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch

from .common import NAN, R, first, hp, tensor_inputs


def cases(c: Any) -> None:
    import lssl
    from lssl.discretize import discretize

    api = "lssl.LSSL"
    L = lambda **k: lssl.LSSL(**({"d_model": 3, "d_state": 4} | k))  # noqa: E731
    hp(c, api, L, "d_model", [0, 3.5, "3"], r"d_model")
    hp(c, api, L, "d_state", [0, -1, 2.5], r"d_state")
    hp(c, api, L, "channels", [0], r"channels")
    hp(c, api, L, "dt_min", [0.0, -1.0, NAN], r"dt_min")
    hp(c, api, L, "measure", ["fourier"], r"measure must be one of")
    hp(c, api, L, "learn_A", ["yes"], r"learn_A must be one of")
    hp(c, api, L, "discretization", ["rk4"], r"discretization must be one of")
    hp(c, api, L, "alpha", [1.5, -0.5, NAN], r"alpha")
    hp(c, api, L, "activation", ["swish"], r"activation")
    hp(c, api, L, "postact", ["swiglu"], r"postact")
    hp(c, api, L, "dropout", [1.0, -0.1], r"dropout")
    hp(c, api, L, "dt_init", ["log"], r"dt_init")
    hp(c, api, L, "init_C", ["zeros"], r"init_C")
    c.error(api, "dt_max < dt_min", lambda: L(dt_min=0.1, dt_max=0.01), r"dt_max")
    c.error(
        api,
        "learn_A='shared' with measure='random'",
        lambda: L(measure="random", learn_A="shared"),
        r"learn_A must be 'fixed'",
    )
    c.error(api, "unknown keyword", lambda: L(foo=1), r"unexpected keyword")
    u = R(2, 16, 3)
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.LSSL(d_model=3, d_state=4)(t),
        u,
        arg="u",
        shape_match=r"\(batch, length, d_model=3\)",
        empty=False,
    )
    c.error(
        api + ".forward", "(batch, H, L) layout", lambda: L()(R(2, 3, 10)), r"\(batch, length, d_model=3\)"
    )
    c.error(
        api + ".forward", "state of the wrong shape", lambda: L()(u, torch.zeros(2, 3, 5)), r"state must be"
    )
    c.error(
        api + ".forward",
        "state float64",
        lambda: L()(u, torch.zeros(2, 3, 4, dtype=torch.float64)),
        r"state dtype",
    )
    c.error(api + ".forward", "mode='scan'", lambda: L()(u, mode="scan"), r"mode must be one of")
    c.error(api + ".forward", "rate=0", lambda: L()(u, rate=0.0), r"rate must be > 0")
    c.error(api + ".forward", "rate=nan", lambda: L()(u, rate=NAN), r"rate")
    for mode in ("conv", "recurrent"):
        c.accept(
            api + ".forward",
            f"empty batch (mode={mode})",
            lambda mode=mode: L()(R(0, 16, 3), mode=mode),
            lambda r: first(r).shape == (0, 16, 3),
            "an empty answer",
        )
    c.error(api + ".forward", "length 0", lambda: L()(R(2, 0, 3)), r"length")
    c.error(
        api + ".step",
        "u_t float64",
        lambda: (lambda m: m.step(R(2, 3, dtype=torch.float64), m.default_state(2)))(L()),
        r"u_t dtype",
    )
    c.error(
        api + ".step",
        "u_t of the wrong width",
        lambda: (lambda m: m.step(R(2, 4), m.default_state(2)))(L()),
        r"u_t|d_model|shape",
    )

    def stale() -> Any:
        torch.manual_seed(0)
        layer = lssl.LSSL(d_model=3, d_state=8, learn_dt=True).eval()
        with torch.no_grad():
            layer(u)
            layer.log_dt.data.mul_(2.0)
            return layer(u)[0], layer(u, mode="recurrent")[0]

    c.accept(
        api,
        "in-place .data edit of log_dt in eval mode",
        stale,
        lambda r: torch.allclose(r[0], r[1], atol=1e-4),
        "the kernel follows the edit",
    )
    api = "lssl.S4DLayer"
    hp(c, api, lambda **k: lssl.S4DLayer(**({"d_model": 3, "d_state": 4} | k)), "d_state", [5, 0], r"d_state")
    hp(c, api, lambda **k: lssl.S4DLayer(**({"d_model": 3, "d_state": 4} | k)), "dt_min", [0.0], r"dt_min")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.S4DLayer(d_model=3, d_state=4)(t),
        u,
        arg="u",
        shape_match=r"d_model=3|u must",
    )
    c.error(
        api + ".forward",
        "length 0",
        lambda: lssl.S4DLayer(d_model=3, d_state=4)(R(2, 0, 3)),
        r"u must have length >= 1",
    )
    c.error(
        api + ".forward",
        "a state",
        lambda: lssl.S4DLayer(d_model=3, d_state=4)(u, torch.zeros(2, 3, 4)),
        r"state must be None",
    )
    api = "lssl.DeepLSSL"
    D = lambda **k: lssl.DeepLSSL(**({"d_input": 2, "d_model": 4, "n_layers": 1, "d_state": 4} | k))  # noqa: E731
    hp(c, api, D, "pool", ["max"], r"pool must be one of")
    hp(c, api, D, "n_layers", [0, -1], r"n_layers")
    hp(c, api, D, "d_output", [0], r"d_output")
    hp(c, api, D, "dropout", [1.5], r"dropout")
    tensor_inputs(
        c, api + ".forward", lambda t: D()(t), R(3, 7, 2), shape_match=r"\(batch, length, d_input=2\)"
    )
    c.error(api + ".forward", "mode='scan'", lambda: D()(R(3, 7, 2), mode="scan"), r"mode must be one of")
    c.error(api + ".forward", "unknown keyword", lambda: D()(R(3, 7, 2), foo=1), r"unexpected keyword")
    c.error(
        "lssl.DeepS4D.forward",
        "mode='recurrent'",
        lambda: lssl.DeepS4D(d_input=2, d_model=4, n_layers=1, d_state=4)(R(3, 7, 2), mode="recurrent"),
        r"mode='recurrent' needs LSSL",
    )
    api = "lssl.GRUClassifier"
    hp(c, api, lambda **k: lssl.GRUClassifier(**({"d_input": 2} | k)), "d_hidden", [0], r"d_hidden")
    hp(c, api, lambda **k: lssl.GRUClassifier(**({"d_input": 2} | k)), "pool", ["max"], r"pool")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: lssl.GRUClassifier(d_input=2, d_hidden=4)(t),
        R(3, 7, 2),
        shape_match=r"x must be \(batch, length, d_input=2\)",
    )
    c.error(
        api + ".forward",
        "rate=2",
        lambda: lssl.GRUClassifier(d_input=2, d_hidden=4)(R(3, 7, 2), rate=2.0),
        r"rate must be 1.0",
    )
    api = "lssl.hippo"
    c.error(api, "N=0", lambda: lssl.hippo("legs", 0), r"N")
    c.error(api, "N=2.0", lambda: lssl.hippo("legs", 2.0), r"N")
    c.error(api, "measure='fourier'", lambda: lssl.hippo("fourier", 4), r"measure must be one of")
    c.error(api, "beta=-1 (lagt)", lambda: lssl.hippo("lagt", 4, beta=-1.0), r"beta")
    A, Bm = lssl.hippo("legs", 3)
    api = "lssl.discretize"
    c.error(api, "method='rk4'", lambda: discretize(A, Bm, 0.1, "rk4"), r"method must be one of")
    c.error(api, "a non-square A", lambda: discretize(A[:2], Bm, 0.1), r"square")
    c.error(
        api,
        "a singular system (zoh)",
        lambda: discretize(torch.zeros(3, 3, dtype=torch.float64), Bm, 0.1, "zoh"),
        r"invertible",
    )
    c.error(api, "dt=0", lambda: discretize(A, Bm, 0.0), r"dt")
    c.error(api, "dt=-0.1", lambda: discretize(A, Bm, -0.1), r"dt")
    c.error(api, "alpha=2 (gbt)", lambda: discretize(A, Bm, 0.1, "gbt", alpha=2.0), r"alpha")
    c.error(api, "B of the wrong length", lambda: discretize(A, Bm[:2], 0.1), r"B|shape")
    api = "lssl.krylov"
    c.error(api, "L=0", lambda: lssl.krylov(0, A, Bm), r"L")
    c.error(api, "L=-1", lambda: lssl.krylov(-1, A, Bm), r"L")
    c.error(api, "b of the wrong length", lambda: lssl.krylov(4, A, Bm[:2]), r"b|shape")
    api = "lssl.causal_conv"
    c.accept(
        api,
        "empty batch",
        lambda: lssl.causal_conv(R(0, 3, 16), R(3, 16)),
        lambda r: r.shape == (0, 3, 16),
        "an empty answer",
    )
    c.error(
        api, "kernel of another H", lambda: lssl.causal_conv(R(2, 3, 16), R(4, 16)), r"k|H|shape|channels"
    )
    c.accept(
        api,
        "u 2-d (broadcast, as documented)",
        lambda: (lssl.causal_conv(R(3, 16), R(3, 16)), lssl.causal_conv(R(3, 16)[None], R(3, 16))[0]),
        lambda r: torch.allclose(r[0], r[1]),
        "same as with a batch dim",
    )
    c.error("lssl.param_groups", "lr=-1", lambda: lssl.param_groups(L(), -1.0), r"lr")
    c.error("lssl.random_transition", "N=0", lambda: lssl.random_transition(0), r"N")
