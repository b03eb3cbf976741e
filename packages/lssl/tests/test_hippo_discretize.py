import math

import numpy as np
import pytest
import torch

import lssl
from lssl.discretize import discretize


def test_hippo_closed_forms_n4():
    A, B = lssl.hippo("legs", 4)
    s = math.sqrt
    expected = -torch.tensor(
        [
            [1.0, 0, 0, 0],
            [s(3), 2, 0, 0],
            [s(5), s(15), 3, 0],
            [s(7), s(21), s(35), 4],
        ],
        dtype=torch.float64,
    )
    torch.testing.assert_close(A, expected)
    torch.testing.assert_close(B, torch.tensor([1.0, s(3), s(5), s(7)], dtype=torch.float64))
    A, B = lssl.hippo("lagt", 4)
    torch.testing.assert_close(
        A, 0.5 * torch.eye(4, dtype=torch.float64) - torch.tril(torch.ones(4, 4, dtype=torch.float64))
    )
    A, B = lssl.hippo("legt", 3, halve_legt=False)
    r = torch.tensor([1.0, s(3), s(5)], dtype=torch.float64)
    sign = torch.tensor([[1.0, -1, 1], [1, 1, -1], [1, 1, 1]], dtype=torch.float64)
    torch.testing.assert_close(A, -(r[:, None] * r[None]) * sign)
    Ah, Bh = lssl.hippo("legt", 3)
    torch.testing.assert_close(Ah, A / 2)
    torch.testing.assert_close(Bh, B / 2)


@pytest.mark.parametrize("N", [1, 5, 32])
def test_legs_eigenvalues_are_minus_one_to_minus_n(N):
    A, _ = lssl.hippo("legs", N)
    ev = torch.linalg.eigvals(A).real.sort().values
    torch.testing.assert_close(ev, -torch.arange(N, 0, -1, dtype=torch.float64), atol=1e-8, rtol=0)


@pytest.mark.parametrize("measure", ["legs", "legt", "lagt"])
@pytest.mark.parametrize("halve", [True, False])
def test_tridiag_inverse_init_reproduces_hippo(measure, halve):
    A, B = lssl.hippo(measure, 16, halve_legt=halve)
    A2, B2 = lssl.tridiag_inverse_transition(**lssl.tridiag_inverse_init(measure, 16, halve_legt=halve))
    torch.testing.assert_close(A2, A, atol=1e-12, rtol=0)
    torch.testing.assert_close(B2, B, atol=1e-12, rtol=0)


def test_gbt_special_cases():
    A, B = lssl.hippo("legs", 6)
    dt = 0.05
    eye = torch.eye(6, dtype=torch.float64)
    Ae, Be = discretize(A, B, dt, "euler")
    torch.testing.assert_close(Ae, eye + dt * A)
    torch.testing.assert_close(Be, dt * B)
    Ab, Bb = discretize(A, B, dt, "backward_euler")
    torch.testing.assert_close(Ab, torch.linalg.inv(eye - dt * A))
    torch.testing.assert_close(Bb, torch.linalg.inv(eye - dt * A) @ (dt * B))
    Ac, _ = discretize(A, B, dt, "bilinear")
    torch.testing.assert_close(Ac, torch.linalg.inv(eye - dt / 2 * A) @ (eye + dt / 2 * A))
    assert torch.linalg.eigvals(Ac).abs().max() < 1
    Ag, _ = discretize(A, B, dt, "gbt", alpha=0.5)
    torch.testing.assert_close(Ag, Ac)


@pytest.mark.parametrize("method", ["bilinear", "zoh", "euler", "backward_euler"])
def test_discretisation_matches_scipy(method):
    signal = pytest.importorskip("scipy.signal")
    linalg = pytest.importorskip("scipy.linalg")
    A, B = lssl.hippo("legs", 8)
    sys = (A.numpy(), B.numpy()[:, None], np.zeros((1, 8)), np.zeros((1, 1)))
    scipy_method = {"euler": {"method": "euler"}, "backward_euler": {"method": "backward_diff"}}.get(
        method, {"method": method}
    )
    Ad, Bd, *_ = signal.cont2discrete(sys, 0.1, **scipy_method)
    Ab, Bb = discretize(A, B, 0.1, method)
    np.testing.assert_allclose(Ab.numpy(), Ad, atol=1e-12)
    np.testing.assert_allclose(Bb.numpy(), Bd[:, 0], atol=1e-12)
    if method == "zoh":
        np.testing.assert_allclose(Ab.numpy(), linalg.expm(0.1 * A.numpy()), atol=1e-12)


def test_bilinear_and_zoh_agree_to_third_order():
    A, B = lssl.hippo("legs", 4)
    errs = []
    for dt in (1e-2, 5e-3):
        Ab, _ = discretize(A, B, dt, "bilinear")
        Az, _ = discretize(A, B, dt, "zoh")
        errs.append((Ab - Az).abs().max().item())
    assert 6 < errs[0] / errs[1] < 10  # O(dt^3) local error: halving dt divides it by ~8


def test_lemma_3_1_gate_identity():
    z = torch.linspace(-4, 4, 9, dtype=torch.float64)
    A = -torch.ones(1, 1, dtype=torch.float64)
    B = torch.ones(1, dtype=torch.float64)
    Ab, Bb = discretize(A, B, torch.exp(z), "backward_euler")
    torch.testing.assert_close(Ab[:, 0, 0], 1 - torch.sigmoid(z))
    torch.testing.assert_close(Bb[:, 0], torch.sigmoid(z))


@pytest.mark.parametrize("L", [1, 2, 3, 7, 64, 100])
def test_krylov_squaring_equals_sequential(L):
    A, B = lssl.hippo("legs", 8)
    Ab, Bb = discretize(A, B, torch.tensor([1e-3, 1e-2, 1e-1], dtype=torch.float64))
    K = lssl.krylov(L, Ab, Bb)
    assert K.shape == (3, 8, L)
    torch.testing.assert_close(K, lssl.krylov_sequential(L, Ab, Bb), atol=1e-13, rtol=0)
    K2, P = lssl.krylov(L, Ab, Bb, return_power=True)
    torch.testing.assert_close(P, torch.linalg.matrix_power(Ab, L))
    c = torch.randn(3, 2, 8, dtype=torch.float64)
    torch.testing.assert_close(lssl.krylov(L, Ab, Bb, c), c @ K)


def test_causal_conv_matches_loop():
    u = torch.randn(2, 3, 17, dtype=torch.float64)
    k = torch.randn(3, 17, dtype=torch.float64)
    ref = torch.zeros_like(u)
    for t in range(17):
        for i in range(t + 1):
            ref[..., t] += k[..., i] * u[..., t - i]
    torch.testing.assert_close(lssl.causal_conv(u, k), ref)
    assert lssl.causal_conv(u.half(), k.half()).dtype == torch.float16


def test_random_control_matches_official_layer():
    """The official layer's ``measure="random"``: A entries N(0, 1)/N (E[A A^T] = I/N) and B = all ones."""
    from lssl.hippo import random_transition

    A, B = random_transition(256, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(B, torch.ones(256, dtype=torch.float64))
    assert abs(A.std().item() * 256 - 1.0) < 0.02 and abs(A.mean().item()) * 256 < 0.02
    layer = lssl.LSSL(d_model=2, d_state=8, measure="random", learn_A="fixed", learn_dt=False)
    torch.testing.assert_close(layer.B, torch.ones(8))
