"""GPU checks of the torch Navier-Stokes backend. Needs only numpy, torch and pytest (no scipy)."""

import numpy as np
import pytest

from pde_data.navier_stokes import fno_forcing, solve_navier_stokes_2d


def _w0(n: int) -> np.ndarray:
    t = np.arange(n) / n
    x, y = np.meshgrid(t, t, indexing="ij")
    return np.stack([np.cos(2 * np.pi * (x + 2 * y)) + 0.5 * np.sin(2 * np.pi * 3 * x), fno_forcing(n) * 10])


def test_forcing_is_single_shell_and_zero_mean():
    f = fno_forcing(16)
    assert abs(f.mean()) < 1e-15 and np.isclose(np.abs(f).max(), 0.1 * np.sqrt(2), rtol=1e-2)


@pytest.mark.gpu
def test_gpu_torch_backend_placement_and_agreement():
    torch = pytest.importorskip("torch")
    w0 = _w0(64)
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
