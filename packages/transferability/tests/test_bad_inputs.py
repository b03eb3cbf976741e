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


# ---------------------------------------------------------------------------------------- issue #25 sweep fixes


def test_experiment_arguments_are_checked_at_construction():
    X, y = blobs()
    with pytest.raises(TypeError, match="make_model must be callable.*network instance"):
        tf.TransferExperiment(bn_mlp(3), X, y)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        tf.TransferExperiment(bn_mlp, X.tolist(), y)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        tf.TransferExperiment(bn_mlp, None, y)
    for kw, match in [
        ({"n_values": (1.5,)}, "n_values"),
        ({"target_train_per_class": 1.5}, "target_train_per_class"),
        ({"ft_lr_scale": float("inf")}, "ft_lr_scale"),
        ({"device": "tpu"}, "device"),
        ({"split": ([0, 1], [7, 8])}, "split must give two disjoint halves"),
    ]:
        with pytest.raises(ValueError, match=match):
            small_exp(**kw)
    for kw, match in [
        ({"train_fn": "adam"}, "train_fn"),
        ({"eval_fn": 3}, "eval_fn"),
        ({"cache_dir": 3.5}, "cache_dir"),
    ]:
        with pytest.raises(TypeError, match=match):
            small_exp(**kw)


def test_run_cell_checks_its_cell():
    exp = small_exp()
    with pytest.raises(ValueError, match="source and target"):
        exp.run_cell(0, 0, "A", "C", "AnB", 1)
    with pytest.raises(ValueError, match="treatment must be one of"):
        exp.run_cell(0, 0, "A", "B", "XnY", 1)


def test_default_train_checks_hyperparameters_and_data():
    X, y = blobs()
    for kw, match in [
        ({"lr": "0.01"}, "lr"),
        ({"weight_decay": float("nan")}, "weight_decay"),
        ({"momentum": -0.1}, "momentum"),
        ({"step_every": -1}, "step_every"),
        ({"step_every": 1.5}, "step_every"),
        ({"gamma": 0.0}, "gamma"),
        ({"seed": -1}, "seed"),
    ]:
        with pytest.raises(ValueError, match=match):
            tf.default_train(bn_mlp(6), X, y, epochs=1, **kw)
    with pytest.raises(ValueError, match="y must be a 1-d tensor of integer labels"):
        tf.default_train(bn_mlp(6), X, y.float(), epochs=1)
    with pytest.raises(ValueError, match=r"y holds labels 0..5 but the model has 3 outputs"):
        tf.default_train(bn_mlp(3), X, y, epochs=1)
    with pytest.raises(ValueError, match=r"y holds labels -1..4"):
        tf.default_train(bn_mlp(6), X, y - 1, epochs=1)
    with pytest.raises(ValueError, match=r"could not take a batch of X of shape \(64, 5\)"):
        tf.default_train(bn_mlp(6), X[:, :5], y, epochs=1)
    with pytest.raises(TypeError, match=r"X has dtype torch.float64.*X.to\(torch.float32\)"):
        tf.default_train(bn_mlp(6), X.double(), y, epochs=1)
    with pytest.raises(ValueError, match="no parameters"):
        tf.default_train(nn.ReLU(), X, y, epochs=1)
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        tf.default_train(lambda x: x, X, y, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        tf.default_eval(bn_mlp(6), X, y, batch_size=0)


def test_bad_checkpoints_name_the_file(tmp_path):
    X, y = blobs()
    ck = tmp_path / "train.ckpt"
    tf.default_train(bn_mlp(6, seed=0), X, y, epochs=1, checkpoint=ck)
    with pytest.raises(ValueError, match="train.ckpt does not fit this model"):
        tf.default_train(bn_mlp(6, seed=0, width=32), X, y, epochs=2, checkpoint=ck)
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(ValueError, match="train.ckpt could not be read"):
        tf.default_train(bn_mlp(6, seed=0), X, y, epochs=2, checkpoint=ck)
    torch.save({"state": 1}, ck)
    with pytest.raises(ValueError, match="not a default_train checkpoint"):
        tf.default_train(bn_mlp(6, seed=0), X, y, epochs=2, checkpoint=ck)


def test_failed_checkpoint_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from transferability import training

    def boom(obj, f):
        open(f, "wb").write(b"partial")
        raise OSError(27, "File too large")

    monkeypatch.setattr(training.torch, "save", boom)
    with pytest.raises(OSError, match="File too large"):
        training._atomic_save({"a": 1}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_features_checks_x():
    m = bn_mlp(3)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        tf.features(m, None, 1)
    with pytest.raises(ValueError, match=r"could not take x of shape \(4, 5\)"):
        tf.features(m, torch.randn(4, 5), 1)
    with pytest.raises(TypeError, match="x has dtype torch.float64"):
        tf.features(m, torch.randn(4, 8, dtype=torch.float64), 1)


def test_device_mismatch_names_both_devices():
    from transferability._checks import check_device

    m = nn.Linear(8, 3).to("meta")
    with pytest.raises(ValueError, match=r"x is on device cpu but the model is on meta"):
        check_device("x", torch.randn(2, 8), m)
    check_device("x", torch.randn(2, 8, device="meta"), m)


def test_splits_and_models_check_their_arguments():
    with pytest.raises(TypeError, match="classes must be a sequence"):
        tf.split_classes("abcd", 0)
    with pytest.raises(TypeError, match="classes must be a sequence"):
        tf.split_classes(4.0, 0)
    with pytest.raises(ValueError, match="seed must be an int"):
        tf.split_classes(10, -1)
    with pytest.raises(TypeError, match="group_a"):
        tf.semantic_split(4, None)
    X, y = blobs()
    with pytest.raises(ValueError, match=r"no sample of y has: \[99\]"):
        tf.subset(X, y, [0, 99])
    with pytest.raises(TypeError, match="y must be a torch.Tensor"):
        tf.stratified_indices(y.tolist(), 0.3, 0)
    for kw, match in [
        ({"depth": 1.5}, "depth"),
        ({"in_features": 0}, "in_features"),
        ({"width": 0}, "width"),
    ]:
        with pytest.raises(ValueError, match=match):
            tf.digits_mlp(10, **kw)
    for kw, match in [
        ({"channels": (0, 8, 8)}, r"channels\[0\]"),
        ({"channels": (8, 8)}, "channels"),
        ({"hidden": 0}, "hidden"),
    ]:
        with pytest.raises(ValueError, match=match):
            tf.digits_cnn(10, **kw)


def test_summaries_check_treatment_ranges_and_jitter():
    res = [
        tf.TransferResult(0, 0, "A", "B", "base", 0, 0.9, 10, 5),
        tf.TransferResult(0, 0, "A", "B", "AnB", 1, 0.8, 10, 5),
    ]
    with pytest.raises(ValueError, match="treatment 'XnY' is not in results"):
        tf.boosts(res, treatment="XnY")
    with pytest.raises(ValueError, match="ranges"):
        tf.boosts(res, ranges=[(7, 1)])
    with pytest.raises(ValueError, match="jitter"):
        tf.plot_transfer(res, jitter=float("nan"))


@pytest.mark.gpu
def test_wrong_device_inputs_on_cuda():
    m = bn_mlp(6, seed=0).cuda()
    X, y = blobs()
    tf.default_train(m, X, y, epochs=1)  # documented: CPU batches are moved to the model's device
    assert 0.0 <= tf.default_eval(m, X, y) <= 1.0
    with pytest.raises(ValueError, match=r"x is on device cpu but the model is on cuda"):
        tf.features(m, X[:4], 1)
