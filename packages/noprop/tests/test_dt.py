import math

import pytest
import torch
import torch.nn.functional as F
from helpers import FixedClass, OracleLogits, Raises, Recorder, small_dt, toy

import noprop


def test_snr_weighted_loss_hand_computed():
    """Blocks that always predict class 1: ||uhat - u_y||^2 = 2 for y != 1, 0 otherwise (one-hot)."""
    T, C, eta = 4, 3, 0.1
    model = noprop.NoPropDT(num_classes=C, T=T, eta=eta, blocks=[FixedClass(C, 1) for _ in range(T)])
    x = torch.zeros(6, 5)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    for t in range(1, T + 1):
        loss, parts = model.block_loss(x, y, t, with_head=False)

        def abar(k):
            if k == 0:
                return 0.0
            g = (
                math.cos(math.pi / 2 * (1 - k / T + 0.008) / 1.008) ** 2
                / math.cos(math.pi / 2 * 0.008 / 1.008) ** 2
            )
            return min(g, 0.999)

        snr = lambda k: abar(k) / (1 - abar(k))
        mse = 2 * 4 / 6
        assert parts["mse"].item() == pytest.approx(mse, rel=1e-6)
        assert loss.item() == pytest.approx(T / 2 * eta * (snr(t) - snr(t - 1)) * mse, rel=1e-5)
    # with the head: + CE of the head on z_T samples (+ KL = 0 because abar_0 = 0)
    torch.manual_seed(3)
    loss, parts = model.block_loss(x, y, 2)
    assert parts["kl"].item() == 0.0
    assert loss.item() == pytest.approx(T / 2 * eta * (snr(2) - snr(1)) * mse + parts["ce"].item(), rel=1e-5)


def test_kl_term_closed_form():
    u = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    a = 0.3
    want = 0.5 * (a * 25 + 2 * (1 - a) - 2 - 2 * math.log(1 - a))
    assert noprop.gaussian_kl_to_standard(u, a).item() == pytest.approx(want)
    # against torch.distributions
    p = torch.distributions.Normal(math.sqrt(a) * u, math.sqrt(1 - a))
    q = torch.distributions.Normal(torch.zeros_like(u), torch.ones_like(u))
    assert noprop.gaussian_kl_to_standard(u, a).item() == pytest.approx(
        torch.distributions.kl_divergence(p, q).sum().item()
    )


def test_noisy_labels_follow_q():
    """z_{t-1} drawn inside block_loss has mean sqrt(abar_{t-1}) u_y and variance 1 - abar_{t-1}
    (catches z = abar u + ... instead of sqrt(abar) u)."""
    T, C, n = 5, 3, 20000
    blocks = [Recorder(C) for _ in range(T)]
    model = noprop.NoPropDT(num_classes=C, T=T, blocks=blocks)
    y = torch.full((n,), 2)
    torch.manual_seed(0)
    t = 4
    model.block_loss(torch.zeros(n, 1), y, t)
    z = blocks[t - 1].seen[-1]
    ab = model.schedule.abar[t - 1]
    torch.testing.assert_close(
        z.mean(0), ab.sqrt() * F.one_hot(torch.tensor(2), C).float(), atol=0.03, rtol=0
    )
    torch.testing.assert_close(z.var(0), (1 - ab).expand(C), atol=0.03, rtol=0)


def test_gradient_reaches_only_block_t():
    model = small_dt(T=4)
    x, y = toy()
    for with_head in (True, False):
        model.zero_grad(set_to_none=True)
        loss, _ = model.block_loss(x, y, 2, with_head=with_head)
        loss.backward()
        for s, block in enumerate(model.blocks, start=1):
            for p in block.parameters():
                assert (p.grad is not None) == (s == 2), f"block {s} got a gradient: {p.grad is not None}"
        assert all((p.grad is not None) == with_head for p in model.head.parameters())


def test_block_loss_never_calls_other_blocks():
    C, T = 3, 4
    blocks = [Raises() for _ in range(T)]
    blocks[2] = Recorder(C)
    model = noprop.NoPropDT(num_classes=C, T=T, blocks=blocks)
    loss, _ = model.block_loss(torch.zeros(8, 2), torch.arange(8) % C, 3)
    loss.backward()
    assert len(blocks[2].seen) == 1


def test_oracle_chain_is_exact_and_classifies_perfectly():
    """Perfect blocks: the deterministic chain gives z_t = sqrt(abar_t) u_y exactly and 100% accuracy."""
    C, T = 5, 6
    model = noprop.NoPropDT(num_classes=C, T=T, blocks=[OracleLogits() for _ in range(T)])
    y = torch.arange(20) % C
    x = F.one_hot(y, C).float()
    zs = model.trajectory(x)
    assert len(zs) == T + 1 and all(z.shape == (20, C) for z in zs)
    for t, z in enumerate(zs):
        torch.testing.assert_close(z, model.schedule.abar[t].sqrt() * x, atol=1e-5, rtol=0)
    with torch.no_grad():
        model.head.weight.copy_(torch.eye(C))
        model.head.bias.zero_()
    model.trained.fill_(True)
    assert torch.equal(model.predict(x), y)


def test_trajectory_determinism_and_sampling():
    model = small_dt()
    model.eval()
    x, _ = toy(n=10)
    a = model.trajectory(x)
    b = model.trajectory(x)
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    s1 = model.trajectory(x, deterministic=False, generator=g1)
    s2 = model.trajectory(x, deterministic=False, generator=g2)
    assert all(torch.equal(p, q) for p, q in zip(s1, s2, strict=True))
    assert not torch.equal(s1[-1], a[-1])


def test_training_order_does_not_change_block_weights():
    x, y = toy()
    ref = small_dt(T=3).fit(x, y, epochs=2, batch_size=16, with_head=False, seed=5)
    for order in ("reverse", "random", [2, 3, 1]):
        other = small_dt(T=3).fit(x, y, epochs=2, batch_size=16, with_head=False, seed=5, order=order)
        for t in range(1, 4):
            for k, v in ref.block_state_dict(t).items():
                assert torch.equal(v, other.block_state_dict(t)[k]), (order, t, k)


def test_train_block_alone_and_assemble_equals_fit():
    x, y = toy()
    ref = small_dt(T=3).fit(x, y, epochs=2, batch_size=16, with_head=False, seed=9)
    parts = {}
    for t in (3, 1, 2):  # each block in a fresh model, as another process would
        worker = small_dt(T=3)
        torch.randn(100)  # unrelated use of the global RNG must not matter
        worker.train_block(t, x, y, epochs=2, batch_size=16, with_head=False, seed=9)
        parts[t] = worker.block_state_dict(t)
    assembled = small_dt(T=3)
    for t, sd in parts.items():
        assembled.load_block_state_dict(t, sd)
    assert bool(assembled.trained.all())
    for t in range(1, 4):
        for k, v in ref.block_state_dict(t).items():
            assert torch.equal(v, assembled.block_state_dict(t)[k])


def test_learns_and_state_dict_round_trip():
    x, y = toy(n=128)
    model = small_dt(T=3, hidden=16)
    model.configure_optimizers(lr=3e-3)
    model.fit(x, y, epochs=15, batch_size=32, seed=0)
    assert model.accuracy(x, y) > 0.9
    clone = small_dt(T=3, hidden=16, seed=1)
    clone.load_state_dict(model.state_dict())
    model.eval()
    clone.eval()
    torch.testing.assert_close(clone(x), model(x))
    assert "T=3" in repr(model) and "hidden=16" in repr(model.blocks[0])


def test_float64_gradcheck_of_block_loss():
    model = small_dt(T=2, C=3, F_in=4, hidden=4).double()
    x, y = toy(n=6, C=3, F_in=4)
    x = x.double().requires_grad_()

    def f(inp):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return model.block_loss(inp, y, 2)[0]

    assert f(x).dtype == torch.float64
    assert torch.autograd.gradcheck(f, (x,))


def test_cnn_block_dt_and_prototype_embedding():
    C = 3
    x = torch.randn(6, 1, 8, 8)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    emb = noprop.LabelEmbedding(C, mode="prototype", prototypes=noprop.medoid_prototypes(x, y, C))
    assert emb.dim == 64
    model = noprop.NoPropDT(
        num_classes=C, T=2, embedding=emb, block_factory=lambda: noprop.DenoiseBlockCNN(1, C, 64, 8, hidden=8)
    )
    model.train_block(1, x, y, epochs=1, batch_size=6)
    assert model(x).shape == (6, C)
    learned = noprop.LabelEmbedding(C, mode="learned", dim=7)
    m2 = noprop.NoPropDT(
        num_classes=C,
        T=2,
        embedding=learned,
        block_factory=lambda: noprop.DenoiseBlockCNN(1, C, 7, 8, hidden=8),
    )
    loss, _ = m2.block_loss(x, y, 1)
    loss.backward()
    assert learned.weight.grad is not None
