"""GPU checks (run by .ci/gpu with only torch, numpy and pytest): placement, CPU/GPU agreement, bf16 autocast
with frozen BatchNorm, one timed cell at the digits scale."""

import functools
import time

import pytest
import torch
from helpers import blobs, bn_mlp

import transferability as tf


@pytest.mark.gpu
def test_copy_and_freeze_on_cuda():
    src, dst = bn_mlp(3, seed=0).cuda(), bn_mlp(5, seed=1).cuda()
    tf.copy_groups(src, dst, 2)
    assert all(p.is_cuda for p in dst.parameters()) and all(b.is_cuda for b in dst.buffers())
    assert torch.equal(src[0].weight, dst[0].weight)
    tf.reinit_groups(dst, 2, seed=3)
    cpu = bn_mlp(5, seed=1)
    tf.reinit_groups(cpu, 2, seed=3)
    assert dst[7].weight.is_cuda


@pytest.mark.gpu
def test_cpu_and_gpu_agree():
    m = bn_mlp(3, seed=0).eval()
    x = torch.randn(16, 8)
    torch.testing.assert_close(m.cuda()(x.cuda()).cpu(), m.cpu()(x), atol=1e-5, rtol=1e-5)


@pytest.mark.gpu
def test_bf16_autocast_keeps_frozen_bn_in_eval():
    X, y = blobs()
    m = bn_mlp(6, seed=0).cuda()
    tf.freeze_groups(m, 2)
    stats = m[1].running_mean.clone()
    m.train()
    opt = torch.optim.Adam(tf.trainable_parameters(m), 1e-3)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = torch.nn.functional.cross_entropy(m(X.cuda()), y.cuda())
    loss.backward()
    opt.step()
    assert torch.isfinite(loss) and torch.equal(stats, m[1].running_mean) and not m[1].training


@pytest.mark.gpu
def test_one_timed_cell_on_cuda():
    X, y = blobs(per_class=100)
    exp = tf.TransferExperiment(
        functools.partial(tf.digits_mlp, in_features=8),
        X,
        y,
        n_values=(2,),
        treatments=("AnB+",),
        device="cuda",
        train_fn=functools.partial(tf.default_train, epochs=20),
    )
    t0 = time.perf_counter()
    res = exp.run()
    print(f"3 nets x 20 epochs on cuda: {time.perf_counter() - t0:.2f} s")
    assert len(res) == 4 and all(r.accuracy > 0.5 for r in res)
