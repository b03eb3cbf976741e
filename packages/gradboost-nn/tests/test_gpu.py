"""GPU checks (run by .ci/gpu on a CUDA machine; skipped here): placement, CPU/GPU agreement, bf16, scale."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

pytest.importorskip("sklearn")  # the estimators need scikit-learn (and scipy); skip cleanly without them
pytest.importorskip("scipy")

from gradboost_nn import GBNNClassifier  # noqa: E402
from gradboost_nn import _base_learner as bl  # noqa: E402


def _data(n=400, d=8, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = (X[:, 0] + np.sin(2 * X[:, 1]) + 0.3 * rng.randn(n) > 0).astype(int)
    return X, y


@pytest.mark.gpu
def test_fit_on_cuda_places_work_on_the_gpu_and_agrees_with_cpu():
    X, y = _data()
    gpu = GBNNClassifier(n_steps=20, units_per_step=2, device="cuda", dtype="float64", random_state=0).fit(
        X, y
    )
    cpu = GBNNClassifier(n_steps=20, units_per_step=2, device="cpu", random_state=0).fit(X, y)
    # same subsamples and initial weights; L-BFGS runs in torch on the GPU and in scipy on the CPU, so
    # the fitted nets differ slightly but must generalise alike
    assert abs(gpu.score(X, y) - cpu.score(X, y)) < 0.05
    assert np.isfinite(gpu.predict_proba(X)).all()
    net = gpu.to_torch().cuda()
    with torch.no_grad():
        out = net(torch.tensor(X, device="cuda")).cpu().numpy()[:, 0]
    np.testing.assert_allclose(out, gpu.decision_function(X), atol=1e-8)


@pytest.mark.gpu
def test_base_learner_cpu_gpu_agreement_float64():
    rng = np.random.RandomState(0)
    X, R = torch.tensor(rng.randn(200, 5)), torch.tensor(rng.randn(200, 1))
    params = [torch.tensor(rng.randn(*s)) for s in [(5, 3), (3,), (3, 1), (1,)]]
    l_cpu, g_cpu = bl._loss_and_grads(X, R, params, "logistic", 1e-4)
    l_gpu, g_gpu = bl._loss_and_grads(X.cuda(), R.cuda(), [p.cuda() for p in params], "logistic", 1e-4)
    assert float(l_cpu) == pytest.approx(float(l_gpu), rel=1e-10)
    for a, b in zip(g_cpu, g_gpu, strict=True):
        torch.testing.assert_close(a, b.cpu())
    net_c = bl.fit_shallow_net(
        X, R, n_units=3, solver="adam", max_iter=5, batch_size=200, generator=torch.Generator().manual_seed(0)
    )
    net_g = bl.fit_shallow_net(
        X.cuda(),
        R.cuda(),
        n_units=3,
        solver="adam",
        max_iter=5,
        batch_size=200,
        generator=torch.Generator().manual_seed(0),
    )
    torch.testing.assert_close(net_c.W, net_g.W.cpu(), atol=1e-8, rtol=1e-6)


@pytest.mark.gpu
def test_bf16_autocast_assembled_net_is_finite():
    X, y = _data()
    clf = GBNNClassifier(n_steps=10, units_per_step=2, random_state=0).fit(X, y)
    net = clf.to_torch().float().cuda()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = net(torch.tensor(X, dtype=torch.float32, device="cuda"))
    assert torch.isfinite(out).all()
    agree = ((out.detach().float().cpu().numpy()[:, 0] > 0) == (clf.decision_function(X) > 0)).mean()
    assert agree > 0.95


@pytest.mark.gpu
def test_one_round_at_full_scale_timed():
    n, d = 1_000_000, 50
    g = torch.Generator(device="cuda").manual_seed(0)
    X = torch.randn(n, d, device="cuda", generator=g)
    Y = torch.where(X[:, :1] + X[:, 1:2] ** 2 > 1, 1.0, -1.0)
    from gradboost_nn import BinomialDeviance

    loss = BinomialDeviance()
    F = loss.init_raw(Y).expand_as(Y)
    R = loss.residuals(Y, F)
    torch.cuda.synchronize()
    start = time.perf_counter()
    net = bl.fit_shallow_net(
        X,
        R,
        n_units=4,
        solver="adam",
        max_iter=1,
        batch_size=65536,
        learning_rate_init=1e-2,
        generator=torch.Generator().manual_seed(0),
    )
    f = net(X, "logistic")
    rho = loss.newton_step(Y, R, f)
    F = F + rho * f
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    print(f"one GBNN round (1M x 50, J=4, one Adam epoch, batch 65536): {elapsed:.3f} s")
    assert torch.isfinite(F).all() and float(loss.loss(Y, F)) < float(
        loss.loss(Y, loss.init_raw(Y).expand_as(Y))
    )
    assert elapsed < 30
