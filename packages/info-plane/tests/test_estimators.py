"""Binning and KDE estimators against closed forms, naive loops and invariances."""

import math
from collections import Counter

import numpy as np
import pytest
import torch

import info_plane as ip

D = ip.ib_12bit()
HY = ip.label_entropy(D.y)


def naive_bin_mi(h, y, edges=None, binsize=None):
    """The official code's recipe in plain numpy: digitize, rows as tuples, plug-in entropies in bits."""
    h = np.asarray(h, dtype=np.float64)
    codes = np.floor(h / binsize).astype(int) if binsize else np.digitize(h, edges)
    rows = [tuple(r) for r in codes]
    n = len(rows)

    def ent(items):
        c = np.array(list(Counter(items).values()), dtype=np.float64) / n
        return float(-(c * np.log2(c)).sum())

    h_t = ent(rows)
    h_ty = ent(list(zip(rows, y.tolist(), strict=True)))
    return h_t, h_t + ent(y.tolist()) - h_ty


def test_identity_layer_keeps_everything():
    ixt, ity = ip.bin_mi(D.X * 2 - 1, D.y)
    assert float(ixt) == pytest.approx(12.0, abs=1e-12)
    assert float(ity) == pytest.approx(HY, abs=1e-12)


def test_constant_layer_keeps_nothing():
    ixt, ity = ip.bin_mi(torch.full((4096, 3), 0.3), D.y)
    assert float(ixt) == 0.0 and float(ity) == 0.0
    ixt, ity = ip.bin_mi(torch.zeros(4096, 2), D.y, lo=0.0, hi=None)  # degenerate adaptive range
    assert float(ixt) == 0.0 and float(ity) == 0.0


def test_label_layer():
    ixt, ity = ip.bin_mi(D.y[:, None].float(), D.y)
    assert float(ixt) == pytest.approx(HY, abs=1e-12) and float(ity) == pytest.approx(HY, abs=1e-12)


def test_independent_variables_have_zero_information():
    y = D.X[:, 6:].sum(1).remainder(2).long()  # parity of the last 6 bits
    ixt, ity = ip.bin_mi(D.X[:, :6], y)  # the first 6 bits: independent of y
    assert float(ixt) == pytest.approx(6.0, abs=1e-12)
    assert abs(float(ity)) < 1e-12


@pytest.mark.parametrize(
    "kw", [{}, {"lo": 0.0, "hi": None}, {"binsize": 0.07}, {"n_bins": 5, "lo": None, "hi": None}]
)
def test_matches_naive_numpy(kw):
    torch.manual_seed(0)
    h = torch.tanh(torch.randn(4096, 4) * 2) if not kw else torch.relu(torch.randn(4096, 4))
    if "hi" in kw and kw["hi"] is None:
        lo = float(h.min()) if kw.get("lo") is None else kw["lo"]
        edges = np.linspace(lo, float(h.max()), kw.get("n_bins", 30))
    else:
        edges = np.linspace(-1, 1, 30)
    ref = naive_bin_mi(h.numpy(), D.y.numpy(), edges=edges, binsize=kw.get("binsize"))
    got = ip.bin_mi(h, D.y, **kw)
    assert float(got[0]) == pytest.approx(ref[0], abs=1e-12)
    assert float(got[1]) == pytest.approx(ref[1], abs=1e-12)


def test_codes_match_numpy_digitize_at_the_edges():
    edges32 = torch.linspace(-1, 1, 30)
    h = torch.cat(
        [edges32, torch.from_numpy(np.linspace(-1, 1, 30)).float(), torch.tanh(torch.randn(500) * 3)]
    )
    codes = ip.bin_codes(h[:, None])
    assert np.array_equal(codes[:, 0].numpy(), np.digitize(h.numpy(), np.linspace(-1, 1, 30)))


def test_unit_permutation_and_batching_invariance():
    torch.manual_seed(1)
    h = torch.tanh(torch.randn(3, 4096, 5))
    ixt, ity = ip.bin_mi(h, D.y)
    ixt_p, ity_p = ip.bin_mi(h[..., torch.randperm(5)], D.y)
    assert torch.allclose(ixt, ixt_p)
    assert torch.allclose(ity, ity_p)
    for m in range(3):  # leading (ensemble) dims give exactly the per-member values
        a, b = ip.bin_mi(h[m], D.y)
        assert float(a) == float(ixt[m]) and float(b) == float(ity[m])


def test_wide_layers_use_the_row_unique_path():
    torch.manual_seed(2)
    h = torch.tanh(torch.randn(2, 512, 20) * 0.2)  # 20 units x 5 bits > 62 bits: no packing
    y = D.y[:512]
    got = ip.bin_mi(h, y)
    for m in range(2):
        ref = naive_bin_mi(h[m].numpy(), y.numpy(), edges=np.linspace(-1, 1, 30))
        assert float(got[0][m]) == pytest.approx(ref[0], abs=1e-12)
        assert float(got[1][m]) == pytest.approx(ref[1], abs=1e-12)


def test_data_processing_on_the_binned_variable():
    """A function of T (here: dropping units) never has more information than T, about X or Y."""
    torch.manual_seed(3)
    h = torch.tanh(torch.randn(4096, 6) * 1.5)
    full = ip.bin_mi(h, D.y)
    for k in range(1, 6):
        part = ip.bin_mi(h[:, :k], D.y)
        assert float(part[0]) <= float(full[0]) + 1e-12
        assert float(part[1]) <= float(full[1]) + 1e-12
    assert 0.0 <= float(full[1]) <= min(float(full[0]), HY) + 1e-12


def test_entropy_bins_closed_form():
    ids = torch.tensor([[0, 0, 1, 1, 2, 2, 3, 3], [5, 5, 5, 5, 5, 5, 5, 1]])
    h = ip.entropy_bins(ids)
    assert float(h[0]) == pytest.approx(2.0)
    assert float(h[1]) == pytest.approx(-(7 / 8) * math.log2(7 / 8) - (1 / 8) * math.log2(1 / 8))


# ------------------------------------------------------------------------------------------------- KDE


def naive_kde(h, s2, scale_div):
    """Direct float64 numpy version of the pairwise bound: -mean_i log mean_j exp(-D_ij / (scale_div s2))."""
    h = np.asarray(h, dtype=np.float64)
    d2 = ((h[:, None, :] - h[None, :, :]) ** 2).sum(-1)
    a = -d2 / (scale_div * s2)
    m = a.max(1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(a - m).sum(1))) - np.log(len(h))
    return -lse.mean()


@pytest.mark.parametrize("bound,div", [("upper", 2.0), ("lower", 8.0)])
def test_kde_matches_naive_numpy(bound, div):
    torch.manual_seed(4)
    h = torch.tanh(torch.randn(300, 3))
    y = D.y[:300]
    s2 = 0.05
    ixt, ity = ip.kde_mi(h, y, noise_variance=s2, bound=bound, chunk=64)
    ref_ixt = naive_kde(h.numpy(), s2, div)
    cond = sum((y == c).double().mean().item() * naive_kde(h[y == c].numpy(), s2, div) for c in (0, 1))
    assert float(ixt) == pytest.approx(ref_ixt / math.log(2), rel=1e-10)
    assert float(ity) == pytest.approx((ref_ixt - cond) / math.log(2), rel=1e-9, abs=1e-12)


def test_kde_entropy_bounds_in_nats_and_order():
    torch.manual_seed(5)
    h = torch.randn(200, 4) * 0.1
    up, lo = ip.kde_entropy_upper(h, 1e-2), ip.kde_entropy_lower(h, 1e-2)
    assert float(lo) <= float(up)
    cond = 0.5 * 4 * (math.log(2 * math.pi * 1e-2) + 1)
    ixt, _ = ip.kde_mi(h, D.y[:200], noise_variance=1e-2)
    assert float(ixt) == pytest.approx((float(up) - cond) / math.log(2), rel=1e-10)  # bits = nats / ln 2


def test_kde_far_apart_points_reach_log2_n_and_identical_points_zero():
    h = torch.arange(64, dtype=torch.float64)[:, None] * 10.0  # distances^2 >= 100 >> s2
    ixt, ity = ip.kde_mi(h, D.y[:64], noise_variance=1e-3)
    assert float(ixt) == pytest.approx(6.0, abs=1e-9)
    assert float(ity) == pytest.approx(ip.label_entropy(D.y[:64]), abs=1e-9)
    ixt, ity = ip.kde_mi(torch.zeros(64, 3), D.y[:64], noise_variance=1e-3, bound="lower")
    assert abs(float(ixt)) < 1e-12 and abs(float(ity)) < 1e-12


@pytest.mark.parametrize("a", [0.05, 0.1, 0.2, 0.5])
def test_kde_bounds_bracket_a_gaussian_channel(a):
    """Binary X at +-a through T = X + N(0, s2): the exact I(X;T) (numerical quadrature) lies between the bounds."""
    s2 = 0.01
    t = np.linspace(-a - 12 * math.sqrt(s2), a + 12 * math.sqrt(s2), 200_001)
    g = lambda m: np.exp(-((t - m) ** 2) / (2 * s2)) / math.sqrt(2 * math.pi * s2)  # noqa: E731
    p = 0.5 * (g(-a) + g(a))
    f = np.where(p > 0, p * np.log(np.clip(p, 1e-300, None)), 0.0)
    h_t = -float(np.sum((f[1:] + f[:-1]) * np.diff(t)) / 2)  # trapezoidal rule (np.trapezoid needs numpy 2)
    exact = (h_t - 0.5 * (math.log(2 * math.pi * s2) + 1)) / math.log(2)
    h = torch.tensor([[-a], [a]], dtype=torch.float64)
    y = torch.tensor([0, 1])
    up = float(ip.kde_mi(h, y, noise_variance=s2, bound="upper")[0])
    lo = float(ip.kde_mi(h, y, noise_variance=s2, bound="lower")[0])
    assert lo - 1e-6 <= exact <= up + 1e-6
    assert 0.0 <= lo <= up <= 1.0


def test_kde_batched_members():
    torch.manual_seed(6)
    h = torch.randn(2, 128, 3)
    both = ip.kde_mi(h, D.y[:128], noise_variance=0.1, chunk=50)
    for m in range(2):
        one = ip.kde_mi(h[m], D.y[:128], noise_variance=0.1)
        assert float(both[0][m]) == pytest.approx(float(one[0]), rel=1e-12)
        assert float(both[1][m]) == pytest.approx(float(one[1]), rel=1e-10, abs=1e-13)
