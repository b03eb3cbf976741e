"""The cluster layer: the algebra of Sec. 3, Lloyd equivalence, monotone descent, the spherical form."""

import numpy as np
import pytest
import torch

from tell_clustering import (
    ClusterLayer,
    hard_assignment,
    lloyd_step_,
    normalize_center_grad_,
    squared_distances,
)


def layer_with(centers, **kw):
    layer = ClusterLayer(centers.shape[0], centers.shape[1], **kw).double()
    with torch.no_grad():
        layer.centers.copy_(centers)
    return layer


def test_scores_are_minus_distance_plus_norm():
    g = torch.Generator().manual_seed(0)
    z, om = (
        torch.randn(50, 7, generator=g, dtype=torch.float64),
        torch.randn(5, 7, generator=g, dtype=torch.float64),
    )
    layer = layer_with(om)
    s = layer(z)
    naive = torch.stack([((z - om[j]) ** 2).sum(1) for j in range(5)], 1)  # a loop over centres
    torch.testing.assert_close((z * z).sum(1, keepdim=True) - s, naive, atol=1e-10, rtol=0)
    assert torch.equal(s.argmax(1), naive.argmin(1))
    torch.testing.assert_close(layer.weight, 2 * om)
    torch.testing.assert_close(layer.bias, -(om * om).sum(1))
    torch.testing.assert_close(layer.contributions(z).sum(-1) + layer.bias, s)
    torch.testing.assert_close(squared_distances(z, om), naive, atol=1e-10, rtol=0)


def test_kmeans_loss_gradient_closed_form():
    """dL/dOmega_j = 2 n_j / n (Omega_j - mu_j), and a float64 gradcheck of the loss."""
    g = torch.Generator().manual_seed(1)
    z = torch.randn(40, 3, generator=g, dtype=torch.float64)
    layer = layer_with(torch.randn(4, 3, generator=g, dtype=torch.float64))
    a = layer.assign(z)
    layer.kmeans_loss(z, a).backward()
    for j in range(4):
        nj = int((a == j).sum())
        expect = (
            torch.zeros(3, dtype=torch.float64)
            if nj == 0
            else 2 * nj / 40 * (layer.centers[j] - z[a == j].mean(0))
        )
        torch.testing.assert_close(layer.centers.grad[j], expect.detach())
    om = layer.centers.detach().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda c: ((z - c[a]) ** 2).sum(1).mean(), (om,))


def test_one_step_with_lloyd_rate_is_a_lloyd_update():
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(300, n_features=4, centers=5, random_state=0)
    X = torch.as_tensor(X)
    layer = layer_with(X[:5].clone())
    a = layer.assign(X)
    lloyd_step_(layer, X, step_fraction=1.0)
    means = torch.stack([X[a == j].mean(0) for j in range(5)])
    torch.testing.assert_close(layer.centers.detach(), means, atol=1e-10, rtol=0)


def test_minibatch_rate_is_macqueen():
    """With running counts the centre moves by n_j / N_j towards the batch mean (MacQueen)."""
    X = torch.tensor([[0.0], [1.0], [10.0], [11.0]], dtype=torch.float64)
    layer = layer_with(torch.tensor([[0.0], [10.0]], dtype=torch.float64))
    counts = torch.tensor([2.0, 0.0], dtype=torch.float64)
    lloyd_step_(layer, X, counts=counts)
    torch.testing.assert_close(counts, torch.tensor([4.0, 2.0], dtype=torch.float64))
    # centre 0: 2 new of 4 points, batch mean 0.5 -> 0 + 0.5 * (0.5 - 0) ; centre 1: first points -> 10.5
    torch.testing.assert_close(
        layer.centers.detach().flatten(), torch.tensor([0.25, 10.5], dtype=torch.float64)
    )


@pytest.mark.parametrize("fraction", [0.3, 1.0, 1.7])
def test_full_batch_loss_never_increases(fraction):
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(400, n_features=2, centers=6, cluster_std=2.0, random_state=3)
    X = torch.as_tensor(X)
    layer = layer_with(X[:6].clone())
    losses = [float(layer.kmeans_loss(X).detach())]
    for _ in range(40):
        lloyd_step_(layer, X, step_fraction=fraction)
        losses.append(float(layer.kmeans_loss(X).detach()))
    assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:]))
    assert losses[-1] < losses[0]


def test_step_fraction_above_two_is_allowed_to_oscillate():
    """Negative control: lambda = 2.5 overshoots (the loss for fixed assignments grows)."""
    X = torch.tensor([[0.0], [2.0]], dtype=torch.float64)
    layer = layer_with(torch.tensor([[0.5]], dtype=torch.float64))
    before = float(layer.kmeans_loss(X).detach())
    lloyd_step_(layer, X, step_fraction=2.5)
    assert float(layer.kmeans_loss(X).detach()) > before


def test_spherical_form_identity_and_norms():
    g = torch.Generator().manual_seed(2)
    z = torch.nn.functional.normalize(torch.randn(30, 5, generator=g, dtype=torch.float64), dim=1)
    layer = ClusterLayer(4, 5, spherical=True, alpha=1e-3).double()
    torch.testing.assert_close(layer.centers.norm(dim=1), torch.ones(4, dtype=torch.float64))
    s = layer(z)
    assert layer.bias is None
    delta = hard_assignment(s)
    official = (0.01 / layer.alpha) * (2 * layer.alpha - delta * s).mean()
    # the official loss, up to its constant: the 2 alpha of the K - 1 entries with delta = 0 inside the mean
    constant = 0.01 * 2 * (4 - 1) / 4
    torch.testing.assert_close(layer.tell_loss(z, weight=0.01), official - constant)
    opt = torch.optim.SGD(layer.parameters(), lr=0.5)
    for _ in range(5):
        opt.zero_grad()
        layer.kmeans_loss(z).backward()
        normalize_center_grad_(layer, 0.1)
        g_norm = layer.centers.grad.norm(dim=1)
        assert torch.all((g_norm - 0.1).abs() < 1e-12) or torch.all(g_norm[g_norm > 0] - 0.1 < 1e-12)
        opt.step()
        layer.renormalize_()
        torch.testing.assert_close(layer.centers.norm(dim=1), torch.ones(4, dtype=torch.float64))


def test_soft_assignment_tends_to_hard():
    z = torch.randn(20, 3, dtype=torch.float64)
    layer = layer_with(torch.randn(4, 3, dtype=torch.float64))
    q = layer.soft_assign(z, temperature=1e-4)
    torch.testing.assert_close(q, hard_assignment(layer(z)), atol=1e-6, rtol=0)
    torch.testing.assert_close(layer.soft_assign(z).sum(1), torch.ones(20, dtype=torch.float64))


def test_state_dict_round_trip_and_to():
    layer = ClusterLayer(3, 2)
    other = ClusterLayer(3, 2)
    other.load_state_dict(layer.state_dict())
    torch.testing.assert_close(other.centers, layer.centers)
    assert layer.to(torch.float64).centers.dtype == torch.float64
    assert np.isfinite(layer(torch.randn(4, 2, dtype=torch.float64)).detach().numpy()).all()
