"""GPU checks (run by .ci/gpu on a CUDA machine; skipped here): placement, CPU/GPU agreement, no TF32, scale."""

import time

import numpy as np
import pytest
import torch

import wide_deep_ntk as w


@pytest.mark.gpu
def test_cuda_kernels_match_cpu_float64():
    D = w.dirichlet_split(2000, 500, 2, seed=0)
    Xc = torch.as_tensor(D["X_train"])
    torch.backends.cuda.matmul.allow_tf32 = True  # the library must switch it off for the Gram matrix
    for act in ("2d_opt", "erf", "relu"):
        a_cpu, b_cpu = w.nngp_and_ntk(Xc, None, act, 100, scaled=True)
        a_gpu, b_gpu = w.nngp_and_ntk(Xc.cuda(), None, act, 100, scaled=True)
        assert a_gpu.device.type == "cuda" and a_gpu.dtype == torch.float64
        torch.testing.assert_close(a_gpu.cpu(), a_cpu, atol=1e-10, rtol=1e-10)
        torch.testing.assert_close(b_gpu.cpu(), b_cpu, atol=1e-10, rtol=1e-10)
    la_c, _ = w.log_nngp(Xc, None, "9d_opt", 300)
    la_g, _ = w.log_nngp(Xc.cuda(), None, "9d_opt", 300)
    torch.testing.assert_close(la_g.cpu(), la_c, atol=1e-8, rtol=1e-10)


@pytest.mark.gpu
def test_classifier_on_cuda_agrees_with_cpu():
    D = w.dirichlet_split(1000, 2000, 2, seed=1)
    preds = []
    for dev in ("cpu", "cuda"):
        clf = w.InfiniteDepthKernelClassifier("2d_opt", 100, normalize="none", device=dev)
        preds.append(clf.fit(D["X_train"], D["y_train"]).predict(D["X_test"]))
    assert np.mean(preds[0] == preds[1]) > 0.999


@pytest.mark.gpu
def test_full_scale_fit_predict_is_timed():
    D = w.dirichlet_split(10_000, 10_000, 2, seed=0)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    clf = w.InfiniteDepthKernelClassifier("2d_opt", 100, normalize="none", device="cuda")
    acc = clf.fit(D["X_train"], D["y_train"]).score(D["X_test"], D["y_test"])
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - t0
    print(f"n_train = n_test = 10000, NNGP L=100, fit + predict on CUDA: {elapsed:.1f} s, accuracy {acc:.4f}")
    assert acc > 0.7 and elapsed < 120
