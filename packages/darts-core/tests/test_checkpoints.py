"""Checkpoints: written atomically (a failed write leaves the previous file intact), and a search interrupted
after an epoch and resumed from its checkpoint computes bit for bit what the uninterrupted search computes."""

import os
import random
import signal
import sys

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import darts_core as dc

torch.set_num_threads(1)


def _data(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)


def _loaders(kind):
    """40 training and 90 validation samples in batches of 20: 2 training batches but 5 validation batches per
    pass, so a pass over D_val runs across epoch boundaries (the checkpoint after epoch 1 is written 4 batches
    into a pass that began in epoch 0). One loader of each pair draws its order from its own generator, the
    other from the global torch RNG."""
    (xt, yt), (xv, yv) = _data(40, 1), _data(90, 2)
    if kind == "tensor":
        return (
            dc.TensorLoader(xt, yt, batch_size=20),  # global RNG
            dc.TensorLoader(xv, yv, batch_size=20, seed=3),
        )
    return (
        DataLoader(
            TensorDataset(xt, yt), batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(3)
        ),
        DataLoader(
            TensorDataset(xv, yv), batch_size=20, shuffle=True
        ),  # RandomSampler seeded from the global RNG
    )


class Interrupt(Exception):
    pass


class StopIn:
    """Interrupts the search in the middle of ``epoch`` (after the checkpoint of the epoch before)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_step(self, state):
        if state.epoch == self.epoch and state.step == 1:
            raise Interrupt


def _search(kind, order, *, init_seed=0, **kw):
    torch.manual_seed(init_seed)
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    train, val = _loaders(kind)
    return dc.search(model, train, val, 4, order=order, w_lr=0.05, arch_lr=3e-3, **kw)


def _assert_same_run(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:  # weights, α and BatchNorm running statistics
        assert torch.equal(sa[k], sb[k]), k
    assert len(a.history) == len(b.history)
    for ha, hb in zip(a.history, b.history, strict=True):
        assert ha.keys() == hb.keys()
        for k in ha:
            if k == "weights":
                assert all(torch.equal(ha[k][c], hb[k][c]) for c in ha[k])
            elif isinstance(ha[k], float) and np.isnan(ha[k]):
                assert np.isnan(hb[k]), k
            else:
                assert ha[k] == hb[k], (ha["epoch"], k)
    assert a.genotype == b.genotype
    # the optimisers' states (momentum buffers, Adam moments) match too
    for oa, ob in ((a.architect.optimizer, b.architect.optimizer),):
        for pa, pb in zip(oa.state.values(), ob.state.values(), strict=True):
            assert all(torch.equal(pa[k], pb[k]) for k in pa)


@pytest.mark.parametrize(("kind", "order"), [("tensor", 1), ("dataloader", 2)])
def test_interrupted_search_resumes_bit_for_bit(tmp_path, kind, order):
    ref = _search(kind, order)
    ck = tmp_path / "search.ckpt"
    again = _search(kind, order, checkpoint_path=ck)  # checkpointing changes nothing a run computes
    _assert_same_run(ref, again)
    ck.unlink()
    with pytest.raises(Interrupt):
        _search(kind, order, checkpoint_path=ck, callbacks=[StopIn(2)])
    assert torch.load(ck, weights_only=False)["epoch"] == 1
    # a fresh process: other initial weights, other global random streams
    torch.manual_seed(1234)
    np.random.seed(1234)
    random.seed(1234)
    resumed = _search(kind, order, init_seed=99, checkpoint_path=ck, resume=True)
    _assert_same_run(ref, resumed)


def test_resume_needs_a_checkpoint_path():
    with pytest.raises(ValueError, match="resume=True needs checkpoint_path"):
        _search("tensor", 1, resume=True)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_failed_checkpoint_write_keeps_the_previous_checkpoint(tmp_path):
    import resource

    res = _search("tensor", 1, checkpoint_path=tmp_path / "ok.ckpt")
    ck = tmp_path / "search.ckpt"
    state = dc.SearchState(
        epoch=3,
        step=0,
        model=res.model,
        architect=res.architect,
        w_optimizer=torch.optim.SGD(res.model.weight_parameters(), lr=0.1),
        history=res.history,
    )
    dc.save_checkpoint(ck, state)
    good = ck.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(good) // 2, hard))
        with pytest.raises((OSError, RuntimeError)):
            dc.save_checkpoint(ck, state)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert ck.read_bytes() == good  # the previous checkpoint is intact
    assert sorted(os.listdir(tmp_path)) == ["ok.ckpt", "search.ckpt"]  # no temporary file left behind
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    assert dc.load_checkpoint(ck, model)["epoch"] == 3


def test_checkpoint_without_random_state_resumes_with_a_warning(tmp_path):
    """A checkpoint of an older darts-core (no random state) still resumes, but says it will not be exact."""
    ck = tmp_path / "old.ckpt"
    with pytest.raises(Interrupt):
        _search("tensor", 1, checkpoint_path=ck, callbacks=[StopIn(1)])
    old = torch.load(ck, weights_only=False)
    for key in ("format", "rng", "loaders"):
        del old[key]
    torch.save(old, ck)
    with pytest.warns(UserWarning, match=r"written without the random state .* will not match"):
        res = _search("tensor", 1, checkpoint_path=ck, resume=True)
    assert [h["epoch"] for h in res.history] == [0, 1, 2, 3]
