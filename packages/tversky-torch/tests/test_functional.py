import itertools

import pytest
import torch
from oracle import oracle_similarity

from tversky_torch import TverskyProjection
from tversky_torch import functional as TF

INTER = TF.INTERSECTIONS
DIFF = TF.DIFFERENCES


def integer_case(seed=0, n=5, m=4, k=6, d=3):
    """Small integer-valued float64 operands: many dot products are exactly 0 (the tau boundary)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(-2, 3, (n, d), generator=g).double()
    p = torch.randint(-2, 3, (m, d), generator=g).double()
    f = torch.randint(-2, 3, (k, d), generator=g).double()
    return x, p, f


@pytest.mark.parametrize("model", TF.MODELS)
@pytest.mark.parametrize(("inter", "diff"), list(itertools.product(INTER, DIFF)))
@pytest.mark.parametrize("exact", [False, True])
def test_matches_bruteforce_oracle(model, inter, diff, exact):
    for seed, tau in [(0, 0.0), (1, 0.0), (2, 0.5)]:
        x, p, f = integer_case(seed)
        # exact zeros are present, so the boundary x . f = tau (not a member) is exercised
        assert ((x @ f.T) == 0).any()
        want = oracle_similarity(
            x, p, f, 0.3, 0.7, 1.3, model=model, intersection=inter, difference=diff, tau=tau, exact=exact
        )
        got = TF.tversky_similarity(
            x,
            p,
            f,
            0.3,
            0.7,
            1.3,
            model=model,
            intersection=inter,
            difference=diff,
            threshold=tau,
            exact_per_feature=exact,
        )
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_fused_default_path_matches_oracle_on_random_reals():
    g = torch.Generator().manual_seed(3)
    x, p, f = (torch.randn(s, 7, generator=g, dtype=torch.float64) for s in (9, 5, 11))
    want = oracle_similarity(
        x, p, f, 0.5, 0.25, 2.0, model="contrast", intersection="product", difference="ignorematch"
    )
    torch.testing.assert_close(TF.tversky_similarity(x, p, f, 0.5, 0.25, 2.0), want, rtol=1e-10, atol=1e-10)


def test_zero_input_gives_minus_beta_prototype_salience():
    g = torch.Generator().manual_seed(0)
    p, f = (
        torch.rand(3, 4, generator=g, dtype=torch.float64),
        torch.rand(5, 4, generator=g, dtype=torch.float64),
    )
    x = torch.zeros(2, 4, dtype=torch.float64)
    xm, xmask = TF.tversky_projections(x, f)
    pm, pmask = TF.tversky_projections(p, f)
    assert not xmask.any()  # empty set: x . f = 0 is not a member
    assert (TF.intersection(xm, xmask, pm, pmask) == 0).all()
    assert (TF.difference(xm, xmask, pm, pmask) == 0).all()
    s = TF.tversky_similarity(x, p, f, alpha=0.5, beta=0.75, theta=1.0)
    torch.testing.assert_close(s, (-0.75 * TF.salience(p, f)).expand(2, 3))


def test_single_feature_closed_form():
    f = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    x = torch.tensor([[2.0, 5.0]], dtype=torch.float64)
    p = torch.tensor([[3.0, -1.0], [-1.0, 0.0]], dtype=torch.float64)
    xm, xmask = TF.tversky_projections(x, f)
    pm, pmask = TF.tversky_projections(p, f)
    torch.testing.assert_close(
        TF.intersection(xm, xmask, pm, pmask), torch.tensor([[6.0, 0.0]], dtype=torch.float64)
    )
    torch.testing.assert_close(
        TF.difference(xm, xmask, pm, pmask), torch.tensor([[0.0, 2.0]], dtype=torch.float64)
    )
    # S = theta*6 - alpha*0 - beta*(3 - 2 ... ignorematch: 0)  and  for p2: -alpha*2
    s = TF.tversky_similarity(x, p, f, alpha=0.5, beta=0.25, theta=1.0)
    torch.testing.assert_close(s, torch.tensor([[6.0, -1.0]], dtype=torch.float64))
    # per-feature subtractmatch: a=2 < b=3 so f(A-B)=0, f(B-A)=1
    s = TF.tversky_similarity(x, p, f, alpha=0.5, beta=0.25, theta=1.0, difference="subtractmatch")
    torch.testing.assert_close(s, torch.tensor([[6.0 - 0.25, -1.0]], dtype=torch.float64))


def test_asymmetry_and_symmetry():
    g = torch.Generator().manual_seed(1)
    a, f = (
        torch.randn(6, 5, generator=g, dtype=torch.float64),
        torch.randn(8, 5, generator=g, dtype=torch.float64),
    )
    for inter in INTER:
        sym = TF.tversky_similarity(a, a, f, 0.4, 0.4, 1.0, intersection=inter, gmean_eps=1e-12)
        torch.testing.assert_close(sym, sym.T)
    asym = TF.tversky_similarity(a, a, f, 0.1, 0.9, 1.0)
    assert (asym - asym.T).abs().max() > 1e-3
    # swapping alpha and beta is the same as swapping the operands
    torch.testing.assert_close(TF.tversky_similarity(a, a, f, 0.9, 0.1, 1.0), asym.T)


def test_reduction_orderings():
    g = torch.Generator().manual_seed(2)
    x, p, f = (torch.randn(s, 6, generator=g, dtype=torch.float64) for s in (10, 7, 12))
    xm, xmask = TF.tversky_projections(x, f)
    pm, pmask = TF.tversky_projections(p, f)
    for exact in (False, True):
        r = {k: TF.intersection(xm, xmask, pm, pmask, k, exact_per_feature=exact) for k in INTER}
        assert (r["min"] <= r["mean"] + 1e-12).all() and (r["mean"] <= r["max"] + 1e-12).all()
        assert (r["softmin"] <= r["min"] + 1e-12).all()
        assert (r["gmean"] <= r["mean"] + 1e-12).all()
    # ignorematch <= subtractmatch (extra terms are non-negative)
    ig = TF.difference(xm, xmask, pm, pmask, "ignorematch")
    for dname in ("subtractmatch", "subtractmatch_aggregate"):
        assert (TF.difference(xm, xmask, pm, pmask, dname) >= ig - 1e-12).all()


def test_exact_mean_equals_aggregate_mean_and_chunking_is_exact():
    g = torch.Generator().manual_seed(4)
    x, p, f = (torch.randn(s, 4, generator=g, dtype=torch.float64) for s in (13, 6, 9))
    a = TF.tversky_similarity(x, p, f, intersection="mean")
    b = TF.tversky_similarity(x, p, f, intersection="mean", exact_per_feature=True)
    torch.testing.assert_close(a, b)
    for inter, diff in [("min", "subtractmatch"), ("softmin", "subtractmatch")]:
        full = TF.tversky_similarity(x, p, f, intersection=inter, difference=diff, exact_per_feature=True)
        for cs in (1, 4, 100):
            got = TF.tversky_similarity(
                x, p, f, intersection=inter, difference=diff, exact_per_feature=True, chunk_size=cs
            )
            torch.testing.assert_close(got, full)
    # chunked with gradients (activation checkpointing) gives the same gradients
    xs = x.clone().requires_grad_()
    TF.tversky_similarity(
        xs, p, f, intersection="min", difference="subtractmatch", exact_per_feature=True
    ).sum().backward()
    g1 = xs.grad.clone()
    xs.grad = None
    TF.tversky_similarity(
        xs, p, f, intersection="min", difference="subtractmatch", exact_per_feature=True, chunk_size=3
    ).sum().backward()
    torch.testing.assert_close(xs.grad, g1)


@pytest.mark.parametrize(
    ("model", "inter", "diff"),
    [
        ("contrast", "product", "ignorematch"),
        ("contrast", "min", "subtractmatch"),
        ("ratio", "mean", "subtractmatch_aggregate"),
        ("contrast", "softmin", "ignorematch"),
    ],
)
def test_gradcheck_all_inputs(model, inter, diff):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    p = torch.randn(3, 3, generator=g, dtype=torch.float64, requires_grad=True)
    f = torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True)
    scal = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.4, 0.6, 1.2)]
    # away from the tau boundary: every |x . f| is well above the finite-difference step
    assert (x @ f.T).abs().min() > 1e-3 and (p @ f.T).abs().min() > 1e-3

    def fn(x, p, f, a, b, t):
        return TF.tversky_similarity(
            x, p, f, a, b, t, model=model, intersection=inter, difference=diff, exact_per_feature=True
        )

    assert torch.autograd.gradcheck(fn, (x, p, f, *scal), eps=1e-6, atol=1e-5)


def test_dead_feature_gets_no_gradient():
    x = torch.rand(8, 3, dtype=torch.float64)
    p = torch.rand(4, 3, dtype=torch.float64)
    f = torch.cat(
        [torch.rand(2, 3, dtype=torch.float64), -torch.ones(1, 3, dtype=torch.float64)]
    ).requires_grad_()
    TF.tversky_similarity(x, p, f).sum().backward()
    assert (f.grad[2] == 0).all() and (f.grad[:2] != 0).any()


def test_gmean_nan_gradient_and_eps_path():
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64, requires_grad=True)
    p = torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    f = torch.eye(2, dtype=torch.float64)
    TF.tversky_similarity(x, p, f, intersection="gmean").sum().backward()
    assert not torch.isfinite(x.grad).all()  # empty intersection: the NaN the paper reports for gmean
    x.grad = None
    TF.tversky_similarity(x, p, f, intersection="gmean", gmean_eps=1e-12).sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("intersection", ["product", "mean"])
def test_fp16_autocast_scalar_gradients_finite(intersection):
    """The gradients of theta / alpha / beta are sums over all n x m pairs: under fp16 autocast they must be
    accumulated in the scalars' dtype, not in fp16 (where they overflowed to inf)."""
    torch.manual_seed(0)
    layer = TverskyProjection(64, 512, 32, init="normal", intersection=intersection)
    x = torch.nn.functional.layer_norm(torch.randn(2048, 64), (64,))
    ref = layer(x)
    with torch.autocast("cpu", dtype=torch.float16):
        y = layer(x)
    y.float().sum().backward()
    for name in ("theta", "alpha", "beta"):
        assert torch.isfinite(getattr(layer, name).grad), name
    assert all(torch.isfinite(p.grad).all() for p in layer.parameters())
    # fp16 rounding, amplified by the cancellation of the contrast terms in the two-GEMM (mean) path
    assert (y.float() - ref).norm() / ref.norm() < 5e-2
