"""The quantizers against closed forms, a naive per-bucket loop, and their stated properties."""

import math

import pytest
import torch

import quantized_distillation as qd
from quantized_distillation.quantizers import BucketScaler, nearest_point


def naive_uniform(w: torch.Tensor, bits: int, k: int) -> torch.Tensor:
    """Per-bucket Python loop of the official scheme (pad with the last value, min-max, round)."""
    flat = w.reshape(-1).tolist()
    n = len(flat)
    k = min(k, n)
    flat = flat + [flat[-1]] * ((-n) % k)
    s = 2**bits
    out = []
    for i in range(0, len(flat), k):
        b = flat[i : i + k]
        lo, hi = min(b), max(b)
        a = hi - lo if hi - lo >= 1e-10 else 1.0
        for v in b:
            q = torch.round(torch.tensor((v - lo) / a * (s - 1), dtype=torch.float64)).item() / (s - 1)
            out.append(q * a + lo)
    return torch.tensor(out[:n], dtype=torch.float64).reshape(w.shape)


@pytest.mark.parametrize("bits", [1, 2, 4])
@pytest.mark.parametrize("shape,k", [((1000,), 256), ((7, 13), 16), ((3, 5), 256), ((300,), 300)])
def test_matches_naive_loop(bits, shape, k):
    w = torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(bits))
    got = qd.uniform_quantize(w, bits=bits, bucket_size=k)
    torch.testing.assert_close(got, naive_uniform(w, bits, k), rtol=0, atol=1e-12)
    assert got.shape == w.shape and got.dtype == w.dtype


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_levels_per_bucket_and_extremes_kept(bits):
    w = torch.randn(4 * 256, dtype=torch.float64)
    q = qd.uniform_quantize(w, bits=bits, bucket_size=256).reshape(4, 256)
    rows = w.reshape(4, 256)
    for r, qr in zip(rows, q, strict=True):
        assert qr.unique().numel() <= 2**bits
        assert qr.min() == r.min()  # code 0 decodes to beta = min exactly
        assert abs(qr.max() - r.max()) <= 1e-15 * abs(r.max()) + 1e-15


def test_idempotent():
    w = torch.randn(777, dtype=torch.float64)
    q = qd.uniform_quantize(w, bits=3, bucket_size=64)
    torch.testing.assert_close(qd.uniform_quantize(q, bits=3, bucket_size=64), q, rtol=0, atol=1e-14)


@pytest.mark.parametrize("bits", [2, 8, 16])
def test_error_bound(bits):
    w = torch.randn(1000, dtype=torch.float64)
    q = qd.uniform_quantize(w, bits=bits, bucket_size=100)
    alpha = BucketScaler.fit(w, bucket_size=100).alpha.reshape(-1)
    err = (q - w).abs().reshape(10, 100).amax(1)
    assert (err <= alpha / (2 * (2**bits - 1)) + 1e-12).all()


def test_stochastic_rounding_is_unbiased():
    w = torch.randn(64, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    gen = torch.Generator().manual_seed(1)
    draws = torch.stack(
        [qd.uniform_quantize(w, bits=2, stochastic=True, generator=gen) for _ in range(10_000)]
    )
    alpha = float(w.max() - w.min())
    var_bound = alpha**2 / (4 * (2**2 - 1) ** 2)
    assert (draws.var(0) <= var_bound * 1.05).all()
    se = draws.std(0) / math.sqrt(10_000)
    assert ((draws.mean(0) - w).abs() <= 3 * se + 1e-12).float().mean() >= 0.97  # ~99.7 % within 3 sigma
    assert (draws.mean(0) - w).abs().max() <= 6 * var_bound**0.5 / math.sqrt(10_000)


def test_stochastic_rounding_follows_generator():
    w = torch.randn(100)
    a = qd.uniform_quantize(w, bits=2, stochastic=True, generator=torch.Generator().manual_seed(3))
    b = qd.uniform_quantize(w, bits=2, stochastic=True, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_buckets_shapes_and_padding_with_last_value():
    w = torch.arange(10.0)
    rows = BucketScaler.buckets(w, 4)
    assert rows.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 9, 9]]
    sc = BucketScaler.fit(w, bucket_size=4)
    assert sc.beta.reshape(-1).tolist() == [0, 4, 8] and sc.alpha.reshape(-1).tolist() == [3, 3, 1]
    assert BucketScaler.fit(torch.randn(3, 5), bucket_size=256).n_buckets == 1  # smaller than a bucket
    assert BucketScaler.fit(torch.randn(1000), bucket_size=None).n_buckets == 1


def test_constant_bucket_has_no_nan():
    w = torch.full((300,), 0.25)
    q = qd.uniform_quantize(w, bits=2, bucket_size=256)
    assert torch.equal(q, w)


def test_absmax_keeps_signs_and_levels():
    w = torch.randn(256, dtype=torch.float64)
    q = qd.uniform_quantize(w, bits=3, scaling="absmax")
    assert q.unique().numel() <= 2 * 2 ** (3 - 1) - 1
    assert (torch.sign(q) * torch.sign(w) >= 0).all()
    assert q.abs().max() == w.abs().max()


def test_half_precision_stats_in_float32():
    w = torch.randn(512).to(torch.bfloat16)
    q = qd.uniform_quantize(w, bits=4)
    assert q.dtype == torch.bfloat16
    ref = qd.uniform_quantize(w.float(), bits=4).to(torch.bfloat16)
    torch.testing.assert_close(q, ref, rtol=0, atol=0)


def test_nonuniform_matches_naive_nearest():
    w = torch.randn(500, dtype=torch.float64)
    p = torch.tensor([0.0, 0.2, 0.5, 0.9], dtype=torch.float64)
    w_hat, codes = qd.nonuniform_quantize(w, p, bucket_size=128)
    sc = BucketScaler.fit(w, bucket_size=128)
    u = sc.scale(w).reshape(-1)[:500]
    naive = (u[:, None] - p[None]).abs().argmin(1)
    assert torch.equal(codes.reshape(-1), naive)
    alpha = sc.alpha.expand(-1, 128).reshape(-1)[:500]
    beta = sc.beta.expand(-1, 128).reshape(-1)[:500]
    torch.testing.assert_close(w_hat, p[naive] * alpha + beta)


def test_nonuniform_with_uniform_points_equals_uniform_quantizer():
    w = torch.randn(1000, dtype=torch.float64)
    w_hat, _ = qd.nonuniform_quantize(w, qd.uniform_points(4, dtype=torch.float64))
    torch.testing.assert_close(w_hat, qd.uniform_quantize(w, bits=2), rtol=0, atol=1e-12)


def test_nearest_point_ties_and_ends():
    p = torch.tensor([0.0, 0.5, 1.0])
    assert nearest_point(torch.tensor([-1.0, 0.25, 0.26, 2.0]), p).tolist() == [0, 0, 1, 2]


def test_quantile_points_are_sorted_quantiles():
    w = torch.randn(2000)
    p = qd.quantile_points(w, 4)
    assert p[0] == 0 and abs(p[-1] - 1) < 1e-6 and (p[1:] >= p[:-1]).all()
