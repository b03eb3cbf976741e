"""Losses against closed forms, normalisers, and the training loop (resume is exact, best epoch restored)."""

import math

import pytest
import torch

import mgno


def test_rel_l2_closed_form_and_reductions():
    t = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    p = torch.tensor([[3.0, 5.0], [0.0, 0.0]])
    torch.testing.assert_close(mgno.rel_l2(p, t, reduction="none"), torch.tensor([0.2, 1.0]))
    torch.testing.assert_close(mgno.rel_l2(p, t), torch.tensor(0.6))
    torch.testing.assert_close(mgno.rel_l2(p, t, reduction="sum"), torch.tensor(1.2))


def test_rel_h1_weights_each_mode_by_sqrt_one_plus_k_squared():
    n = 16
    x = torch.arange(n, dtype=torch.float64) / n
    target = torch.cos(2 * math.pi * x)[None, :].expand(n, n)[None, None]  # |k| = 1
    delta = 1e-2
    pred = target + delta * torch.cos(2 * math.pi * 3 * x)[:, None].expand(n, n)[None, None]  # |k| = 3
    expected = delta * math.sqrt(1 + 9) / math.sqrt(1 + 1)
    torch.testing.assert_close(mgno.rel_h1(pred, target), torch.tensor(expected, dtype=torch.float64))
    assert mgno.rel_h1(pred, target, k_max=3).item() < 1e-12  # |k| = 3 truncated away
    torch.testing.assert_close(mgno.rel_l2(pred, target), torch.tensor(delta, dtype=torch.float64))


def test_pointwise_normaliser_round_trip_and_state_dict():
    x = torch.randn(20, 1, 5, 6) * 3 + torch.arange(6.0)
    norm = mgno.PointwiseGaussianNormalizer().fit(x)
    enc = norm.encode(x)
    torch.testing.assert_close(enc.mean(0), torch.zeros(1, 5, 6), atol=1e-5, rtol=0)
    torch.testing.assert_close(norm.decode(enc), x, atol=1e-5, rtol=1e-5)
    other = mgno.PointwiseGaussianNormalizer()
    other.load_state_dict(norm.state_dict())
    torch.testing.assert_close(other.encode(x), enc)
    g = mgno.GlobalGaussianNormalizer().fit(x)
    assert g.mean.ndim == 0
    torch.testing.assert_close(g.decode(g.encode(x[:, :, :3])), x[:, :, :3], atol=1e-5, rtol=1e-5)


def tiny_problem(n=24, size=9):
    torch.manual_seed(0)
    a = torch.randn(n, 1, size, size)
    u = torch.nn.functional.avg_pool2d(a, 3, 1, 1) * 0.5 + 0.1  # a local linear operator to learn
    return a, u


def tiny_model():
    torch.manual_seed(1)
    return mgno.MgNO(width=4, n_layers=1, levels=((1, 0), (1, 0)))


def test_fit_learns_and_restores_the_best_epoch():
    a, u = tiny_problem()
    model = tiny_model()
    before = mgno.evaluate(model, a[16:], u[16:])["l2"]
    hist = mgno.fit(
        model, (a[:16], u[:16]), (a[16:], u[16:]), epochs=10, batch_size=4, lr=1e-2, loss="l2", scheduler=None
    )
    after = mgno.evaluate(model, a[16:], u[16:])["l2"]
    assert after < 0.5 * before
    assert hist.best_val_l2 == min(hist.val_l2)
    assert math.isclose(after, hist.best_val_l2, rel_tol=1e-5)
    assert len(hist.train_loss) == 10


def test_checkpoint_resume_is_exact(tmp_path):
    a, u = tiny_problem()
    kw = dict(epochs=4, batch_size=4, lr=5e-3, loss="h1", seed=3)
    straight = tiny_model()
    h1 = mgno.fit(straight, (a[:16], u[:16]), (a[16:], u[16:]), **kw)

    class Stop(Exception):
        pass

    def stop_after_two(epoch, hist):
        if epoch == 1:
            raise Stop

    ckpt = tmp_path / "run.pt"
    resumed = tiny_model()
    with pytest.raises(Stop):
        mgno.fit(resumed, (a[:16], u[:16]), (a[16:], u[16:]), checkpoint=ckpt, callback=stop_after_two, **kw)
    assert ckpt.exists() and not list(tmp_path.glob(".*tmp"))
    resumed = tiny_model()
    h2 = mgno.fit(resumed, (a[:16], u[:16]), (a[16:], u[16:]), checkpoint=ckpt, **kw)
    assert h1.val_l2 == h2.val_l2 and h1.train_loss == h2.train_loss
    for p, q in zip(straight.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q, atol=0, rtol=0)
