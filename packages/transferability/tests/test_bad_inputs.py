"""Bad input gets a clear error naming the argument."""

import pytest
import torch
from helpers import blobs, bn_mlp, small_exp
from torch import nn

import transferability as tf
from transferability.reproduce import digits, lowdata


def test_n_outside_range_lists_group_sizes():
    m = bn_mlp(3)
    for n in (0, 3, 1.5):
        with pytest.raises(ValueError, match=r"n must be an int in 1..2 .*sizes"):
            tf.freeze_groups(m, n)
    with pytest.raises(ValueError, match="n_values"):
        small_exp(n_values=(3,))


def test_groups_must_cover_the_model():
    m = bn_mlp(3)
    with pytest.raises(ValueError, match="cover every parameter.*group sizes"):
        tf.layer_groups(m, [[m[0]], [m[7]]])
    with pytest.raises(ValueError, match="not an nn.Sequential"):
        tf.layer_groups(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1))


def test_shape_mismatch_names_the_tensor():
    with pytest.raises(ValueError, match=r"tensor 'weight': src shape \(16, 8\) != dst shape \(32, 8\)"):
        tf.copy_groups(bn_mlp(3, width=16), bn_mlp(3, width=32), 1)


def test_bad_splits_and_data():
    with pytest.raises(ValueError, match="at least 2 classes"):
        tf.split_classes(3, 0)
    with pytest.raises(ValueError, match="group_a"):
        tf.semantic_split(4, [0, 9])
    X, y = blobs(n_classes=4, per_class=2)
    with pytest.raises(ValueError, match="without a training or a validation sample"):
        tf.TransferExperiment(bn_mlp, X, y, val_fraction=0.1)
    X, y = blobs()
    X[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        tf.TransferExperiment(bn_mlp, X, y)
    with pytest.raises(ValueError, match="NaN"):
        tf.default_train(bn_mlp(6), X, y)


def test_non_contiguous_labels_are_reindexed_with_a_warning():
    X, y = blobs(n_classes=4)
    with pytest.warns(UserWarning, match="re-indexed"):
        exp = tf.TransferExperiment(bn_mlp, X, y * 10 + 3)
    assert exp.class_ids == [3, 13, 23, 33] and sorted(set(exp.y.tolist())) == [0, 1, 2, 3]


def test_shared_model_instance_is_refused():
    X, y = blobs()
    shared = bn_mlp(3)
    exp = tf.TransferExperiment(lambda k, s: shared, X, y, n_values=(1,))
    with pytest.raises(ValueError, match="fresh instance"):
        exp.run()


def test_training_arguments():
    X, y = blobs()
    with pytest.raises(ValueError, match="optimizer"):
        tf.default_train(bn_mlp(6), X, y, optimizer="rmsprop")
    with pytest.raises(ValueError, match="epochs"):
        tf.default_train(bn_mlp(6), X, y, epochs=0)
    m = bn_mlp(6)
    for p in m.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="nothing to train"):
        tf.default_train(m, X, y)
    with pytest.raises(ValueError, match="num_classes"):
        tf.digits_mlp(1)
    with pytest.raises(ValueError, match="n_jobs"):
        small_exp().run(n_jobs=0)
    with pytest.raises(ValueError, match="train_fns"):
        small_exp(train_fns={"nonsense": tf.default_train})


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="digits.model"):
        digits.Config(model="resnet")
    with pytest.raises(ValueError, match="digits.treatments"):
        digits.Config(treatments=("AnB", "XnY"))
    with pytest.raises(ValueError, match="lowdata.per_class"):
        lowdata.Config(per_class=0)
    with pytest.raises(ValueError, match="digits.lrs"):
        digits.Config(lrs=(-1.0,))


def test_reinit_needs_reset_parameters():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(3))

        def forward(self, x):
            return x * self.w

    m = nn.Sequential(nn.Linear(3, 3), Odd(), nn.Linear(3, 2))
    with pytest.raises(ValueError, match="reset_parameters"):
        tf.reinit_groups(m, 1, seed=0)
