"""Input-function samplers: 1-D Gaussian processes (DeepONet) and spectral Gaussian random fields (FNO).

The spectral fields draw sample ``i`` from its own stream ``default_rng(SeedSequence([seed, i]))``; the 1-D GP draws
whole index-aligned blocks of 1024 samples from one stream per block (one large GEMM instead of per-sample streams).
Both are computed inside fixed, index-aligned blocks, so sample ``i`` is byte-identical whatever ``n``/``start`` are.

The 1-D GP's covariance factor is computed with a single BLAS thread: the RBF covariance is numerically
rank-deficient (about two dozen eigenvalues above round-off for ``l = 0.2`` on 1000 points), so its Cholesky
factor is not unique beyond that rank and a multi-threaded factorisation returns a different (equally valid)
factor for each thread count, which changed the samples of a seed by about 1 %. With one thread the factor, and
hence every sample, is the same whatever the machine's BLAS thread setting (to round-off of the final GEMM).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.fft
import scipy.interpolate
import scipy.linalg
from threadpoolctl import threadpool_limits

from pde_data._common import (
    blocked,
    check_choice,
    check_int,
    check_real,
    check_seed,
    sample_rng,
)

KERNELS = ("rbf", "matern12", "periodic")
RBF_BLOCK = (
    1024  # samples per random stream of RBFGRF (block b uses SeedSequence(seed, spawn_key=(RBF_STREAM, b)))
)
RBF_STREAM = 0x6A1D


def kernel_matrix(
    x: np.ndarray, y: np.ndarray, *, length_scale: float, kernel: str = "rbf", period: float = 1.0
) -> np.ndarray:
    """Covariance ``k(x_i, y_j)`` of the 1-D GP kernels.

    ``rbf``: ``exp(-(x-y)^2 / (2 l^2))`` (DeepONet, eq. in Sec. 3 "Gaussian random field");
    ``matern12``: ``exp(-|x-y| / l)`` (DeepXDE's "AE"); ``periodic``: ``exp(-2 sin^2(pi |x-y| / p) / l^2)``
    (DeepXDE's "ExpSineSquared").
    """
    d = np.abs(np.asarray(x, dtype=np.float64)[:, None] - np.asarray(y, dtype=np.float64)[None, :])
    if kernel == "rbf":
        return np.exp(-0.5 * (d / length_scale) ** 2)
    if kernel == "matern12":
        return np.exp(-d / length_scale)
    if kernel == "periodic":
        return np.exp(-2.0 * np.sin(np.pi * d / period) ** 2 / length_scale**2)
    raise ValueError(f"kernel must be one of {list(KERNELS)}, got {kernel!r}")


class RBFGRF:
    """A 1-D Gaussian process on a fine grid, sampled by a Cholesky factor and evaluated by cubic splines.

    This is DeepONet's input space (Lu et al. 2021, Sec. 3.1 / Methods "Data generation"): ``u ~ GP(0, k)``
    with ``k(x, y) = exp(-(x-y)^2 / (2 l^2))`` sampled on ``n_grid`` uniform points of ``domain`` as
    ``L xi`` with ``L = chol(K + jitter I)`` (float64), and evaluated elsewhere by cubic-spline interpolation
    (not-a-knot, the same semantics as DeepXDE's ``GRF.eval_batch``).

    Args:
        length_scale: ``l`` (paper default 0.2).
        domain: ``(a, b)``.
        n_grid: number of grid points (paper / DeepXDE default 1000).
        kernel: ``"rbf"`` | ``"matern12"`` | ``"periodic"``.
        method: ``"cholesky"`` (falls back to ``"eigh"`` with a warning when the factorisation fails) or
            ``"eigh"`` (symmetric square root with negative eigenvalues clipped to 0).
        jitter: diagonal added before factorising (DeepXDE uses 1e-13).
    """

    def __init__(
        self,
        *,
        length_scale: float = 0.2,
        domain: tuple[float, float] = (0.0, 1.0),
        n_grid: int = 1000,
        kernel: str = "rbf",
        method: str = "cholesky",
        jitter: float = 1e-13,
    ) -> None:
        self.length_scale = check_real("length_scale", length_scale, positive=True)
        if len(domain) != 2 or not float(domain[1]) > float(domain[0]):
            raise ValueError(f"domain must be (a, b) with b > a, got {domain!r}")
        self.domain = (float(domain[0]), float(domain[1]))
        self.n_grid = check_int("n_grid", n_grid, minimum=4)
        self.kernel = check_choice("kernel", kernel, KERNELS)
        self.method = check_choice("method", method, ("cholesky", "eigh"))
        self.jitter = check_real("jitter", jitter, nonnegative=True)
        self.x = np.linspace(self.domain[0], self.domain[1], self.n_grid)
        period = self.domain[1] - self.domain[0]
        self.cov = kernel_matrix(
            self.x, self.x, length_scale=self.length_scale, kernel=self.kernel, period=period
        )
        self.factor = self._factorise()

    def _factorise(self) -> np.ndarray:
        # one BLAS thread: the same factor for every thread setting (see the module docstring)
        with threadpool_limits(limits=1):
            return self._factorise_single_thread()

    def _factorise_single_thread(self) -> np.ndarray:
        k = self.cov + self.jitter * np.eye(self.n_grid)
        if self.method == "cholesky":
            try:
                return scipy.linalg.cholesky(k, lower=True)
            except np.linalg.LinAlgError:
                warnings.warn(
                    f"Cholesky of the {self.kernel} covariance (length_scale={self.length_scale}, n_grid={self.n_grid}) "
                    "failed; falling back to method='eigh' with negative eigenvalues clipped",
                    RuntimeWarning,
                    stacklevel=3,
                )
        w, v = np.linalg.eigh(k)
        return v * np.sqrt(np.clip(w, 0.0, None))[None, :]

    def _block(self, seed: int, b0: int, b1: int) -> np.ndarray:
        # one stream per index-aligned block of RBF_BLOCK samples (drawn whole, so sample i never depends on n)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RBF_STREAM, b0 // RBF_BLOCK)))
        xi = rng.standard_normal((RBF_BLOCK, self.n_grid))[: b1 - b0]
        return xi @ self.factor.T

    def sample(self, n: int, *, seed: int = 0, start: int = 0) -> np.ndarray:
        """Samples ``start .. start + n - 1`` on the grid ``self.x``: array ``(n, n_grid)`` (float64)."""
        n = check_int("n", n, minimum=1)
        start = check_int("start", start, minimum=0)
        seed = check_seed(seed)
        return blocked(lambda b0, b1: self._block(seed, b0, b1), start, n, block=RBF_BLOCK)

    def spline(self, values: np.ndarray) -> scipy.interpolate.CubicSpline:
        """The batched not-a-knot cubic spline through ``values`` (``(n, n_grid)``), along axis 1."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.n_grid:
            raise ValueError(f"values must have shape (n, {self.n_grid}), got {values.shape}")
        return scipy.interpolate.CubicSpline(self.x, values, axis=1)

    def check_points(self, name: str, points: Any) -> np.ndarray:
        """``points`` as a float64 array inside the domain (ValueError otherwise)."""
        pts = np.asarray(points, dtype=np.float64)
        lo, hi = self.domain
        tol = 1e-12 * (hi - lo)
        if pts.size and (pts.min() < lo - tol or pts.max() > hi + tol):
            raise ValueError(
                f"{name} must lie in the domain [{lo}, {hi}], got values in [{pts.min()}, {pts.max()}]"
            )
        return np.clip(pts, lo, hi)

    def eval(self, values: np.ndarray, sensors: Any) -> np.ndarray:
        """Sample values at ``sensors`` (1-D, shared by all samples): ``(n, len(sensors))``.

        Unsorted sensors are sorted (with a warning); sensors outside the domain raise ValueError.
        """
        s = self.check_points("sensors", sensors)
        if s.ndim != 1:
            raise ValueError(f"sensors must be 1-D, got shape {s.shape}")
        if np.any(np.diff(s) < 0):
            warnings.warn("sensors were not sorted; evaluating at a sorted copy", UserWarning, stacklevel=2)
            s = np.sort(s)
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.n_grid:
            raise ValueError(f"values must have shape (n, {self.n_grid}), got {values.shape}")
        # the not-a-knot cubic interpolant (same function as ``self.spline``), built as a B-spline in chunks of 256
        # functions (scipy's banded solve slows down sharply with many right-hand sides)
        return np.concatenate(
            [
                scipy.interpolate.make_interp_spline(self.x, values[i : i + 256], k=3, axis=1)(s)
                for i in range(0, len(values), 256)
            ]
        )

    def sensor_samples(self, n: int, sensors: Any, *, seed: int = 0, start: int = 0) -> np.ndarray:
        """``eval(sample(n, seed=seed, start=start), sensors)``: ``(n, len(sensors))``."""
        return self.eval(self.sample(n, seed=seed, start=start), sensors)

    def __repr__(self) -> str:
        return (
            f"RBFGRF(length_scale={self.length_scale}, domain={self.domain}, n_grid={self.n_grid}, "
            f"kernel={self.kernel!r}, method={self.method!r})"
        )


def rbf_grf_1d(
    n: int,
    *,
    length_scale: float = 0.2,
    domain: tuple[float, float] = (0.0, 1.0),
    n_grid: int = 1000,
    kernel: str = "rbf",
    method: str = "cholesky",
    seed: int = 0,
    start: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, samples)``: ``n`` DeepONet GP samples on ``n_grid`` points (see :class:`RBFGRF`)."""
    grf = RBFGRF(length_scale=length_scale, domain=domain, n_grid=n_grid, kernel=kernel, method=method)
    return grf.x, grf.sample(n, seed=seed, start=start)


# ----------------------------------------------------------------------------------- periodic (FNO) fields


def fft_wavenumbers(size: int) -> np.ndarray:
    """Integer wavenumbers of an FFT of length ``size`` (``0, 1, ..., -1``)."""
    return np.fft.fftfreq(size, d=1.0 / size)


def _check_alpha(alpha: float, dim: int) -> float:
    alpha = check_real("alpha", alpha, positive=True)
    if alpha <= dim / 2:
        raise ValueError(
            f"alpha must be > dim/2 = {dim / 2} for a trace-class covariance (a square-integrable field), "
            f"got alpha={alpha}"
        )
    return alpha


def periodic_grf_sqrt_eig(
    size: int, dim: int, alpha: float, tau: float, sigma: float | None = None
) -> np.ndarray:
    """Per-mode standard deviation of :func:`periodic_grf` on the full FFT grid (``(size,)*dim``).

    ``sqrt(2) * sigma * (4 pi^2 |k|^2 + tau^2)^(-alpha/2)`` with ``sigma = tau^((2 alpha - d)/2)`` by default and the
    ``k = 0`` mode set to zero (FNO, Li et al. 2021, Sec. 5 and its ``GaussianRF``).
    """
    if sigma is None:
        sigma = tau ** (0.5 * (2 * alpha - dim))
    k = np.meshgrid(*([fft_wavenumbers(size)] * dim), indexing="ij")
    k2 = sum(kk**2 for kk in k)
    se = np.sqrt(2.0) * sigma * (4 * np.pi**2 * k2 + tau**2) ** (-alpha / 2.0)
    se[(0,) * dim] = 0.0
    return se


def periodic_grf_covariance(
    r: np.ndarray, size: int, dim: int, alpha: float, tau: float, sigma: float | None = None
) -> np.ndarray:
    """Exact covariance ``E[u(x) u(x + r)]`` of :func:`periodic_grf` for offsets ``r`` (``(..., dim)``).

    ``sum_k 2 sigma^2 (4 pi^2 |k|^2 + tau^2)^(-alpha) cos(2 pi k.r)`` over the grid's modes, k != 0. (FNO's code draws
    real and imaginary parts with unit variance each, hence the factor 2 relative to the stated covariance
    ``sigma^2 (-Delta + tau^2 I)^(-alpha)``; we reproduce the code, which produced the published data.)
    """
    se = periodic_grf_sqrt_eig(size, dim, alpha, tau, sigma)
    k = np.stack(np.meshgrid(*([fft_wavenumbers(size)] * dim), indexing="ij"), axis=-1).reshape(-1, dim)
    lam = (se**2).reshape(-1)
    r = np.asarray(r, dtype=np.float64)
    phase = 2 * np.pi * (r.reshape(-1, dim) @ k.T)
    return (np.cos(phase) @ lam).reshape(r.shape[:-1])


def periodic_grf(
    n: int,
    size: int,
    *,
    dim: int = 2,
    alpha: float = 2.5,
    tau: float = 7.0,
    sigma: float | None = None,
    max_mode: int | None = None,
    seed: int = 0,
    start: int = 0,
) -> np.ndarray:
    """Periodic Gaussian random fields on ``[0, 1)^dim`` sampled on ``size`` points per side: ``(n, *(size,)*dim)``.

    FNO's ``GaussianRF`` (Li et al. 2021, Sec. 5.2-5.3): complex white noise ``xi_k = a_k + i b_k`` (a, b standard
    normal) times ``sqrt(2) sigma (4 pi^2 |k|^2 + tau^2)^(-alpha/2)``, ``sigma = tau^((2 alpha - d)/2)`` by default,
    ``k = 0`` set to 0 (zero mean), then the real part of the inverse FFT (scaled so that the field does not depend
    on ``size``). Presets: Burgers ``dim=1, alpha=2, tau=5, sigma=25``; Navier-Stokes ``dim=2, alpha=2.5, tau=7``.

    With ``max_mode=M`` only modes ``|k_i| <= M`` are drawn (from a stream indexed by mode, not by grid point), so
    the same seed gives the same band-limited function sampled exactly at any ``size > 2 M``.
    """
    n = check_int("n", n, minimum=1)
    size = check_int("size", size, minimum=2)
    dim = check_int("dim", dim, minimum=1)
    alpha = _check_alpha(alpha, dim)
    tau = check_real("tau", tau, positive=True)
    if sigma is not None:
        sigma = check_real("sigma", sigma, positive=True)
    seed = check_seed(seed)
    start = check_int("start", start, minimum=0)
    se = periodic_grf_sqrt_eig(size, dim, alpha, tau, sigma)
    if max_mode is not None:
        max_mode = check_int("max_mode", max_mode, minimum=1)
        if size <= 2 * max_mode:
            raise ValueError(
                f"size must be > 2 * max_mode = {2 * max_mode} to hold the modes exactly, got {size}"
            )
        modes = np.arange(-max_mode, max_mode + 1)
        idx = np.ix_(*([np.mod(modes, size)] * dim))

    def block(b0: int, b1: int) -> np.ndarray:
        coef = np.zeros((b1 - b0, *([size] * dim)), dtype=np.complex128)
        for j, i in enumerate(range(b0, b1)):
            rng = sample_rng(seed, i)
            if max_mode is None:
                z = rng.standard_normal((2, *([size] * dim)))
                coef[j] = z[0] + 1j * z[1]
            else:
                z = rng.standard_normal((2, *([2 * max_mode + 1] * dim)))
                coef[j][idx] = z[0] + 1j * z[1]
        coef *= se * size**dim
        axes = tuple(range(1, dim + 1))
        return np.real(scipy.fft.ifftn(coef, axes=axes, workers=1))

    return blocked(block, start, n)


def neumann_grf_coefficients(size: int, alpha: float = 2.0, tau: float = 3.0) -> np.ndarray:
    """``tau^(alpha-1) (pi^2 |k|^2 + tau^2)^(-alpha/2)`` for ``k in {0..size-1}^2`` (FNO's MATLAB ``GRF.m``)."""
    k1, k2 = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    return tau ** (alpha - 1) * (np.pi**2 * (k1**2 + k2**2) + tau**2) ** (-alpha / 2.0)


def neumann_grf_2d(
    n: int, size: int, *, alpha: float = 2.0, tau: float = 3.0, seed: int = 0, start: int = 0
) -> np.ndarray:
    """Gaussian random fields with zero normal derivative on ``(0,1)^2``, on the ``size x size`` cell-centre grid.

    FNO's Darcy coefficient field (Li et al. 2021, Sec. 5.2, ``mu = N(0, (-Delta + 9I)^-2)`` with Neumann boundary
    conditions): ``L = size * c * xi`` with ``c = tau^(alpha-1)(pi^2|k|^2 + tau^2)^(-alpha/2)`` on the cosine modes
    ``k in {0..size-1}^2``, ``L_00 = 0``, field = orthonormal inverse DCT-II (MATLAB ``idct2``). Returns ``(n, size, size)``.
    """
    n = check_int("n", n, minimum=1)
    size = check_int("size", size, minimum=2)
    alpha = _check_alpha(alpha, 2)
    tau = check_real("tau", tau, positive=True)
    seed = check_seed(seed)
    start = check_int("start", start, minimum=0)
    coef = size * neumann_grf_coefficients(size, alpha, tau)
    coef[0, 0] = 0.0

    def block(b0: int, b1: int) -> np.ndarray:
        xi = np.stack([sample_rng(seed, i).standard_normal((size, size)) for i in range(b0, b1)])
        return scipy.fft.idctn(coef * xi, type=2, norm="ortho", axes=(1, 2), workers=1)

    return blocked(block, start, n)


def piecewise_constant(field: np.ndarray, *, positive: float = 12.0, negative: float = 3.0) -> np.ndarray:
    """FNO's Darcy coefficient ``psi(field)``: ``positive`` where ``field >= 0``, ``negative`` elsewhere (paper: 12, 3)."""
    positive = check_real("positive", positive, positive=True)
    negative = check_real("negative", negative, positive=True)
    field = np.asarray(field)
    if not np.isfinite(field).all():  # NaN >= 0 is False: a NaN would silently become the negative value
        raise ValueError(f"field must be finite, got {int((~np.isfinite(field)).sum())} NaN or inf values")
    return np.where(field >= 0, positive, negative)
