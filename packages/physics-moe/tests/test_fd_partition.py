"""Finite differences and the expert partition."""

import math

import pytest
import torch

from physics_moe import (
    HardConstraint,
    MoEHardConstraint,
    expert_index_map,
    fd_first,
    fd_second,
    partition,
    unpartition,
)
from physics_moe.pdes import FisherKPP1D


def test_fd_exact_for_linear_functions_including_ends_nonuniform():
    x = torch.tensor([0.0, 0.1, 0.35, 0.4, 0.9, 1.3], dtype=torch.float64)
    u = (3 * x - 2).reshape(1, -1, 1).expand(2, -1, 3)
    torch.testing.assert_close(fd_first(u, x, 1), torch.full_like(u, 3.0))
    torch.testing.assert_close(fd_second(u, x, -2), torch.zeros_like(u), atol=1e-12, rtol=0)


def test_fd_central_exact_for_quadratics_inside():
    x = torch.linspace(-1, 2, 9, dtype=torch.float64)
    u = x**2 - x
    torch.testing.assert_close(fd_first(u, x, 0)[1:-1], 2 * x[1:-1] - 1)
    # FD of FD: exact second derivative two nodes away from the ends (uniform grid)
    torch.testing.assert_close(fd_second(u, x, 0)[2:-2], torch.full((5,), 2.0, dtype=torch.float64))


def test_fd_nonuniform_central_formula():
    x = torch.tensor([0.0, 0.2, 0.5, 1.1], dtype=torch.float64)
    u = torch.sin(x)
    d = fd_first(u, x, 0)
    assert d[1] == pytest.approx(float((u[2] - u[0]) / (x[2] - x[0])))
    assert d[-1] == pytest.approx(float((u[3] - u[2]) / (x[3] - x[2])))


@pytest.mark.parametrize(
    "experts,shape", [((1, 4), (2, 8, 16, 3)), ((2, 2), (2, 8, 16, 3)), ((1, 2, 2), (1, 4, 6, 8, 2))]
)
def test_partition_round_trip(experts, shape):
    x = torch.randn(shape)
    xk = partition(x, experts, start_dim=1)
    assert xk.shape[1] == math.prod(experts)
    torch.testing.assert_close(unpartition(xk, experts, start_dim=1), x, atol=0, rtol=0)


def test_every_point_in_exactly_one_contiguous_block():
    ids = expert_index_map((8, 16), (2, 4))
    counts = torch.bincount(ids.flatten(), minlength=8)
    assert counts.tolist() == [16] * 8
    assert ids[0, 0] == 0 and ids[0, 15] == 3 and ids[7, 0] == 4 and ids[7, 15] == 7
    # partition of the index map: block k holds only k
    blocks = partition(ids, (2, 4))
    for k in range(8):
        assert (blocks[k] == k).all()


def test_one_expert_equals_the_global_layer_values_and_gradients():
    pde = FisherKPP1D()
    t, x = torch.linspace(0, 1, 8, dtype=torch.float64), torch.linspace(0, 1, 12, dtype=torch.float64)
    b = (0.3 * torch.randn(2, 8, 12, 5, dtype=torch.float64)).requires_grad_()
    u0, bc = torch.rand(2, 12, dtype=torch.float64), torch.rand(2, 8, 2, dtype=torch.float64)
    kw = dict(n_samples=40, max_iter=30, rtol=1e-10, atol=1e-10)
    a = HardConstraint(pde, **kw)(b, t, x, u0, bc, generator=torch.Generator().manual_seed(3))
    m = MoEHardConstraint(pde, experts=(1, 1), **kw)(
        b, t, x, u0, bc, generator=torch.Generator().manual_seed(3)
    )
    torch.testing.assert_close(a.u, m.u, atol=0, rtol=0)
    ga = torch.autograd.grad(a.u.sum(), b)[0]
    gm = torch.autograd.grad(m.u.sum(), b)[0]
    torch.testing.assert_close(ga, gm, atol=0, rtol=0)
