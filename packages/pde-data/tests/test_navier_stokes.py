import numpy as np
import pytest

import pde_data
from pde_data import verify
from pde_data.navier_stokes import solve_navier_stokes_2d


def test_taylor_green_single_shell_decay():
    r = verify.taylor_green()
    assert r["vs_discrete"] < 1e-12  # the nonlinear term vanishes exactly
    assert r["vs_exact"] < 1e-7


def test_steady_state_under_fno_forcing():
    assert verify.ns_steady_state() < 1e-8


@pytest.mark.parametrize("scheme,order", [("fno", 1.0), ("cnab2", 2.0)])
def test_temporal_order(scheme, order):
    orders = verify.observed_orders(verify.ns_temporal_errors(scheme))
    assert all(abs(o - order) < 0.3 for o in orders), orders


def test_invariants_mean_divergence_curl():
    r = verify.ns_invariants()
    assert r["mean_vorticity"] < 1e-14
    assert r["divergence"] < 1e-12
    assert r["curl_identity"] < 1e-10


def test_torch_backend_matches_numpy():
    torch = pytest.importorskip("torch")
    w0 = pde_data.periodic_grf(2, 32, dim=2, alpha=2.5, tau=7.0, seed=0)
    a = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0)
    b = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0, backend="torch", dtype=torch.float64)
    np.testing.assert_allclose(b, a, atol=1e-12)


def test_bad_navier_stokes_inputs():
    w0 = np.zeros((16, 16))
    with pytest.raises(ValueError, match="nu must be > 0"):
        solve_navier_stokes_2d(w0, nu=-1e-3)
    with pytest.raises(ValueError, match="n even and >= 8"):
        solve_navier_stokes_2d(np.zeros((15, 15)))
    with pytest.raises(ValueError, match="n even and >= 8"):
        solve_navier_stokes_2d(np.zeros((6, 6)))
    w = pde_data.periodic_grf(1, 16, dim=2, alpha=2.5, tau=7.0)[0] * 100
    with pytest.raises(ValueError, match="violates the CFL condition"):
        solve_navier_stokes_2d(w, dt=0.5, t_final=1.0)
    with pytest.raises(ValueError, match="multiple of record_every"):
        solve_navier_stokes_2d(w0, t_final=1.5, record_every=1.0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        solve_navier_stokes_2d(w0, scheme="rk3")


def test_advection_exact_shift_and_elliptic():
    u0 = pde_data.periodic_grf(1, 32, dim=2, alpha=3.0, tau=5.0, max_mode=8, seed=2)
    out = pde_data.advect_periodic(u0, [3 / 32, -2 / 32], [0.0, 1.0])
    np.testing.assert_allclose(out[:, 1], np.roll(u0, (3, -2), axis=(1, 2)), atol=1e-12)
    f = np.cos(2 * np.pi * np.arange(16) / 16)[None, :, None] * np.ones((1, 16, 16))
    u = pde_data.periodic_elliptic(f, kappa=0.1)
    np.testing.assert_allclose(u, f / (1 + 0.1 * 4 * np.pi**2), atol=1e-12)
    with pytest.raises(ValueError, match="times must be >= 0"):
        pde_data.advect_periodic(u0, [0.1, 0.1], [-1.0])


@pytest.mark.gpu
def test_gpu_torch_backend_placement_and_agreement():
    torch = pytest.importorskip("torch")
    from pde_data.navier_stokes import fno_forcing

    n = 64
    t = np.arange(n) / n
    x, y = np.meshgrid(t, t, indexing="ij")
    w0 = np.stack([np.cos(2 * np.pi * (x + 2 * y)) + 0.5 * np.sin(2 * np.pi * 3 * x), fno_forcing(n) * 10])
    cpu = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0, backend="torch", device="cpu")
    gpu = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0, backend="torch", device="cuda")
    np.testing.assert_allclose(gpu, cpu, atol=1e-10)
    f32 = solve_navier_stokes_2d(
        w0, nu=1e-3, t_final=2.0, backend="torch", device="cuda", dtype=torch.float32
    )
    assert np.isfinite(f32).all()
    assert np.abs(f32 - gpu).max() / np.abs(gpu).max() < 1e-4


@pytest.mark.gpu
def test_gpu_bf16_autocast_finite():
    torch = pytest.importorskip("torch")
    n = 32
    w0 = torch.randn(2, n, n, device="cuda", dtype=torch.float64)
    w0 = w0 - w0.mean(dim=(-2, -1), keepdim=True)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = solve_navier_stokes_2d(
            w0.cpu().numpy() * 0.1, nu=1e-3, t_final=1.0, backend="torch", device="cuda"
        )
    assert np.isfinite(out).all()


@pytest.mark.gpu
def test_gpu_one_timed_canonical_chunk():
    """The canonical FNO setting: 256^2, dt = 1e-4, scheme="fno", one time unit for 20 trajectories."""
    import time

    torch = pytest.importorskip("torch")
    n = 256
    t = np.arange(n) / n
    x, y = np.meshgrid(t, t, indexing="ij")
    rng = np.random.default_rng(0)
    w0 = np.stack([np.cos(2 * np.pi * (k * x + y)) for k in rng.integers(1, 6, 20)])
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = solve_navier_stokes_2d(
        w0, nu=1e-3, t_final=1.0, dt=1e-4, scheme="fno", backend="torch", device="cuda"
    )
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    print(f"256^2, dt=1e-4, 10^4 steps x 20 trajectories: {elapsed:.2f} s")
    assert np.isfinite(out).all() and elapsed < 120
