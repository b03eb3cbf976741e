import pytest
import torch
import torch.nn.functional as F
from helpers import blobs
from torch import nn

import noprop


class VelocityOracle(nn.Module):
    """Reads u_y from a one-hot x and returns the exact velocity (u - z) / (1 - t) towards it."""

    out_features = 4

    def __init__(self) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.zeros(()))

    def forward(self, x, z, t):
        return (x - z) / (1 - t).unsqueeze(-1) + 0 * self.p


def test_fm_exact_velocity_reaches_the_label():
    C = 4
    model = noprop.NoPropFM(block=VelocityOracle(), num_classes=C, n_steps=1)
    y = torch.arange(8) % C
    x = F.one_hot(y, C).float()
    for steps in (1, 5):
        zs = model.trajectory(
            x, n_steps=steps, deterministic=False, generator=torch.Generator().manual_seed(0)
        )
        assert len(zs) == steps + 1
        torch.testing.assert_close(zs[-1], x, atol=1e-5, rtol=0)


def test_ct_oracle_chain_reaches_sqrt_abar_one():
    class Oracle(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(torch.zeros(()))

        def forward(self, x, z, t):
            return 1e3 * x + 0 * self.p

    C = 3
    model = noprop.NoPropCT(block=Oracle(), num_classes=C, n_steps=20)
    y = torch.arange(6) % C
    x = F.one_hot(y, C).float()
    zs = model.trajectory(x)
    assert len(zs) == 21 and zs[-1].shape == (6, C)
    ab1 = model.schedule.abar(torch.tensor(1.0))
    torch.testing.assert_close(zs[-1], ab1.sqrt() * x, atol=1e-4, rtol=0)


def test_ct_loss_parts_gradients_and_learning():
    torch.manual_seed(0)
    x, y = blobs()
    model = noprop.NoPropCT(
        block=noprop.TimeBlockMLP(5, 3, 3, hidden=16, dropout=0.0), num_classes=3, n_steps=10
    )
    loss, parts = model.loss(x, y)
    loss.backward()
    assert set(parts) == {"mse", "ce", "kl"} and parts["kl"].item() > 0
    assert model.schedule.w_raw.grad is not None  # the schedule is learned
    model.zero_grad()
    model.fit(x, y, epochs=20, batch_size=32, lr=3e-3, seed=0)
    assert model.accuracy(x, y) > 0.8
    model.eval()
    a, b = model(x), model(x)
    assert torch.equal(a, b)


def test_fm_learns_and_checks_block_width():
    torch.manual_seed(0)
    x, y = blobs()
    with pytest.raises(ValueError, match="embed_dim=3"):
        noprop.NoPropFM(block=noprop.TimeBlockMLP(5, 3, 3, hidden=8, out_features=5), num_classes=3)
    model = noprop.NoPropFM(
        block=noprop.TimeBlockMLP(5, 3, 3, hidden=16, dropout=0.0, out_features=3), num_classes=3, n_steps=10
    )
    model.fit(x, y, epochs=20, batch_size=32, lr=3e-3, seed=0)
    assert model.accuracy(x, y) > 0.8


def test_time_blocks_and_embedding():
    emb = noprop.sinusoidal_embedding(torch.tensor([0.0, 0.5, 1.0]), 64)
    assert emb.shape == (3, 64)
    torch.testing.assert_close(emb[0, :32], torch.ones(32))  # cos(0)
    with pytest.raises(ValueError, match="even"):
        noprop.sinusoidal_embedding(torch.zeros(2), 63)
    block = noprop.TimeBlockCNN(1, 10, 10, 8, hidden=8)
    block.eval()
    out = block(torch.randn(2, 1, 8, 8), torch.randn(2, 10), torch.tensor([0.1, 0.9]))
    assert out.shape == (2, 10)
    with pytest.raises(ValueError, match="pass t"):
        block(torch.randn(2, 1, 8, 8), torch.randn(2, 10))
