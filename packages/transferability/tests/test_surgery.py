"""Copying n layers really copies them, freezing really freezes, re-initialisation touches exactly the top."""

import pytest
import torch
from helpers import blobs, bn_mlp
from torch import nn

import transferability as tf


def test_layer_groups_of_a_plain_sequential():
    m = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 2))
    g = tf.layer_groups(m)
    assert [[type(x) for x in grp] for grp in g] == [[nn.Linear, nn.ReLU], [nn.Linear, nn.ReLU], [nn.Linear]]
    assert g[0][0] is m[0] and g[2][0] is m[4]


def test_norms_stay_with_their_layer_and_leading_modules_join_group_one():
    g = tf.layer_groups(bn_mlp(3))
    assert [len(x) for x in g] == [4, 3, 1]
    cnn = tf.digits_cnn(5, 0)
    gc = tf.layer_groups(cnn)
    assert len(gc) == 5 and isinstance(gc[0][0], nn.Unflatten) and isinstance(gc[0][1], nn.Conv2d)


def _tensors(groups, i):
    return [t for m in groups[i] for t in m.state_dict().values()]


@pytest.mark.parametrize("n", [1, 2])
def test_copy_groups_copies_exactly_groups_one_to_n(n):
    src, dst = bn_mlp(3, seed=0), bn_mlp(5, seed=1)  # different classifier sizes are fine
    src.train()
    src(torch.randn(32, 8))  # move the BN running stats away from their init
    tf.copy_groups(src, dst, n)
    gs, gd = tf.layer_groups(src), tf.layer_groups(dst)
    for i in range(3):
        pairs = list(zip(_tensors(gs, i), _tensors(gd, i), strict=False))
        same = all(a.shape == b.shape and torch.equal(a, b) for a, b in pairs)
        assert same == (i < n), f"group {i + 1}"
    assert torch.equal(gd[0][1].running_mean, gs[0][1].running_mean)  # BN buffers copied too


def test_reinit_is_a_fresh_seeded_init_of_the_top_only():
    a, b = bn_mlp(3, seed=0), bn_mlp(3, seed=1)
    lower = [t.clone() for t in _tensors(tf.layer_groups(a), 0)]
    tf.reinit_groups(a, 1, seed=7)
    tf.reinit_groups(b, 1, seed=7)
    ga, gb = tf.layer_groups(a), tf.layer_groups(b)
    assert all(torch.equal(x, y) for x, y in zip(_tensors(ga, 0), lower, strict=True))
    for i in (1, 2):
        assert all(torch.equal(x, y) for x, y in zip(_tensors(ga, i), _tensors(gb, i), strict=True))
    rng = torch.get_rng_state()
    tf.reinit_groups(b, 1, seed=8)
    assert torch.equal(torch.get_rng_state(), rng)  # the global RNG is left alone
    assert not torch.equal(ga[2][0].weight, tf.layer_groups(b)[2][0].weight)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_frozen_groups_stay_bit_identical_through_training(optimizer):
    X, y = blobs()
    m = bn_mlp(6, seed=0)
    tf.freeze_groups(m, 2)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    tf.default_train(m, X, y, epochs=2, batch_size=16, optimizer=optimizer, weight_decay=0.1)
    after = m.state_dict()
    g = tf.layer_groups(m)
    frozen_keys = [k for k in before if k.split(".")[0] in {"0", "1", "4", "5"}]
    assert frozen_keys and all(torch.equal(before[k], after[k]) for k in frozen_keys)  # incl. BN stats
    assert not torch.equal(before["7.weight"], after["7.weight"])
    assert all(not p.requires_grad for grp in g[:2] for mod in grp for p in mod.parameters())
    m.train()
    m(X[:16])
    assert not g[0][1].training and not g[0][3].training  # BN and dropout kept in eval after model.train()
    assert {id(p) for p in tf.trainable_parameters(m)} == {id(p) for p in m[7].parameters()}


def test_unfreeze_restores_training():
    m = bn_mlp(3, seed=0)
    tf.freeze_groups(m, 1)
    assert tf.is_frozen(m[0])
    tf.unfreeze(m)
    assert all(p.requires_grad for p in m.parameters()) and not tf.is_frozen(m[0])
    m.train()
    m(torch.randn(4, 8))
    assert m[1].training


def test_fine_tuned_treatment_moves_every_parameter():
    from helpers import small_exp

    exp = small_exp(n_values=(2,))
    model = exp.build(0, 0, "A", "B", "AnB+", 2)
    before = [p.clone() for p in model.parameters()]
    X, y, _, _ = exp._task(0, "B", False)
    tf.default_train(model, X, y, epochs=1, params=exp.param_groups(model, tf.Treatment.TRANSFER_FT, 2))
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_frozen_at_top_equals_training_only_the_classifier():
    """BnB at n = L-1: training the net equals training its last Linear alone on the frozen features."""
    X, y = blobs()
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 6)).double()
    X = X.double()
    tf.freeze_groups(m, 2)
    head = nn.Linear(16, 6).double()
    head.load_state_dict(m[4].state_dict())
    f = tf.features(m, X, 2)
    tf.default_train(m, X, y, epochs=3, batch_size=16, seed=3)
    tf.default_train(head, f, y, epochs=3, batch_size=16, seed=3)
    torch.testing.assert_close(m[4].weight, head.weight, rtol=1e-10, atol=1e-12)


def test_checkpoint_resumes_exactly(tmp_path):
    X, y = blobs()
    a, b = bn_mlp(6, seed=0), bn_mlp(6, seed=0)
    tf.default_train(a, X, y, epochs=4, batch_size=16, seed=1)
    ck = tmp_path / "ck.pt"
    tf.default_train(b, X, y, epochs=2, batch_size=16, seed=1, checkpoint=ck)
    c = bn_mlp(6, seed=5)  # a new process would start from a fresh net: the checkpoint holds everything
    tf.default_train(c, X, y, epochs=4, batch_size=16, seed=1, checkpoint=ck)
    for k, v in a.state_dict().items():
        assert torch.equal(v, c.state_dict()[k]), k
