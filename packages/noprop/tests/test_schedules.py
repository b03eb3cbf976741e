import math

import pytest
import torch

import noprop


def test_cosine_schedule_matches_closed_form():
    T, s = 10, 0.008
    abar = noprop.cosine_alpha_bar(T, s=s, abar_max=0.999)
    for t in range(T + 1):
        g = math.cos(math.pi / 2 * (1 - t / T + s) / (1 + s)) ** 2 / math.cos(math.pi / 2 * s / (1 + s)) ** 2
        want = 0.0 if t == 0 else min(g, 0.999)
        assert abar[t].item() == pytest.approx(want, abs=1e-12)
    assert abar[0] == 0 and abar[-1] == pytest.approx(0.999)
    assert torch.all(abar[1:] > abar[:-1])
    sched = noprop.DiscreteSchedule(abar)
    assert torch.all(sched.snr_diff[1:] > 0)
    assert sched.snr[0] == 0
    torch.testing.assert_close(sched.snr, (abar / (1 - abar)).float())


@pytest.mark.parametrize("T", [1, 3, 10, 50])
def test_posterior_identities(T):
    abar = noprop.cosine_alpha_bar(T)
    a, b, c = noprop.posterior_coefficients(abar)
    for t in range(1, T + 1):
        assert (a[t] + b[t] * abar[t - 1].sqrt()).item() == pytest.approx(abar[t].sqrt().item(), abs=1e-12)
        assert (b[t] ** 2 * (1 - abar[t - 1]) + c[t]).item() == pytest.approx(1 - abar[t].item(), abs=1e-12)
    # abar_0 = 0: the first step ignores z_0
    assert b[1] == 0 and c[1].item() == pytest.approx(1 - abar[1].item())
    sched = noprop.DiscreteSchedule(abar)
    for t in range(1, T + 1):
        at, bt, ct = sched.posterior(t)
        assert (at + bt * sched.abar[t - 1].sqrt()).item() == pytest.approx(
            sched.abar[t].sqrt().item(), abs=1e-6
        )
        assert (bt**2 * (1 - sched.abar[t - 1]) + ct).item() == pytest.approx(
            1 - sched.abar[t].item(), abs=1e-6
        )


def test_oracle_chain_has_the_marginals_of_q():
    """With uhat == u_y the sampled chain's z_t ~ N(sqrt(abar_t) u, (1 - abar_t) I) (Monte Carlo)."""
    T, n = 6, 40000
    sched = noprop.DiscreteSchedule(noprop.cosine_alpha_bar(T))
    u = torch.tensor([1.0, 0.0, -2.0])
    g = torch.Generator().manual_seed(0)
    z = torch.randn(n, 3, generator=g)
    for t in range(1, T + 1):
        a, b, c = sched.posterior(t)
        z = a * u + b * z + c.sqrt() * torch.randn(n, 3, generator=g)
        torch.testing.assert_close(z.mean(0), sched.abar[t].sqrt() * u, atol=0.03, rtol=0)
        torch.testing.assert_close(z.var(0), (1 - sched.abar[t]).expand(3), atol=0.03, rtol=0)


def test_learnable_schedule_endpoints_and_derivative():
    torch.manual_seed(0)
    sch = noprop.LearnableSchedule(gamma0=-5.0, gamma1=5.0).double()
    ends = sch.gbar(torch.tensor([0.0, 1.0], dtype=torch.float64))
    torch.testing.assert_close(ends, torch.tensor([0.0, 1.0], dtype=torch.float64))
    t = torch.linspace(0, 1, 11, dtype=torch.float64, requires_grad=True)
    assert torch.all(sch.snr_prime(t) > 0)
    assert torch.all(sch.abar(t)[1:] > sch.abar(t)[:-1])
    torch.testing.assert_close(sch.abar(t), torch.sigmoid(-sch.gamma(t)))
    torch.testing.assert_close(sch.snr(t), sch.abar(t) / (1 - sch.abar(t)))
    (auto,) = torch.autograd.grad(sch.snr(t).sum(), t)
    torch.testing.assert_close(sch.snr_prime(t.detach()), auto)
    assert sch.abar(torch.tensor(1.0, dtype=torch.float64)).item() == pytest.approx(1 / (1 + math.exp(-5)))
    # the closed-form derivative is itself differentiable (it enters the CT loss)
    assert torch.autograd.gradcheck(sch.snr_prime, (torch.rand(5, dtype=torch.float64, requires_grad=True),))
