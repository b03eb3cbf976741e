"""GPU checks (run by .ci/gpu with only torch, numpy, scipy, scikit-learn and pytest): placement, CPU/GPU
agreement, bf16 autocast on the encoder, one timed fit at the full scale."""

import time

import numpy as np
import pytest
import torch

pytest.importorskip("sklearn")  # the library needs scikit-learn; a GPU image without it cannot import it

from sklearn.datasets import load_digits, make_blobs  # noqa: E402

from tell_clustering import MLPAutoencoder, TELLClustering, TELLNet  # noqa: E402


@pytest.mark.gpu
def test_shallow_cuda_equals_cpu_in_float64():
    X, _ = make_blobs(2000, n_features=8, centers=6, random_state=0)
    kw = dict(random_state=0, max_epochs=30, optimizer="lloyd", batch_size=None)
    cpu = TELLClustering(6, **kw).fit(X)
    gpu = TELLClustering(6, device="cuda", **kw).fit(X)
    np.testing.assert_array_equal(cpu.labels_, gpu.labels_)
    np.testing.assert_allclose(cpu.cluster_centers_, gpu.cluster_centers_, atol=1e-8)
    adam = dict(random_state=0, max_epochs=20)
    np.testing.assert_allclose(
        TELLClustering(6, **adam).fit(X).cluster_centers_,
        TELLClustering(6, device="cuda", **adam).fit(X).cluster_centers_,
        atol=1e-6,
    )


@pytest.mark.gpu
def test_deep_mode_runs_on_cuda_and_state_moves():
    X, _ = load_digits(return_X_y=True)
    m = TELLClustering(
        10, encoder="mlp", hidden=(64,), dropout=0.0, max_epochs=3, device="cuda", random_state=0
    )
    m.fit(X / 16.0)
    assert m.net_.cluster.centers.is_cuda
    assert m.decode_centers().shape == (10, 64) and np.isfinite(m.transform(X / 16.0)).all()


@pytest.mark.gpu
def test_bf16_autocast_encoder_is_finite():
    torch.manual_seed(0)
    net = TELLNet(MLPAutoencoder(64, hidden=(128,), dropout=0.0), 10, 10).cuda()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(256, 64, device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        rec, clu = net.train_step(x, opt, phase="joint")
    assert np.isfinite(rec) and np.isfinite(clu)
    assert net.cluster.centers.dtype == torch.float32
    torch.testing.assert_close(net.cluster.centers.norm(dim=1), torch.ones(10, device="cuda"))


@pytest.mark.gpu
def test_timed_fit_at_full_scale():
    """n = 10^6, d = 64, K = 100: one mini-batch epoch of shallow TELL and one predict (a matmul)."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(1_000_000, 64, generator=g).numpy()
    m = TELLClustering(100, init="random", max_epochs=1, batch_size=65536, random_state=0, device="cuda")
    t0 = time.perf_counter()
    m.fit(X)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.predict(X)
    pred_s = time.perf_counter() - t0
    print(f"fit 1 epoch {fit_s:.2f} s; predict {1e6 / pred_s:.3g} samples/s")
    assert np.isfinite(m.inertia_)
