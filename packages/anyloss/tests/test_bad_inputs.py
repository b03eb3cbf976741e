"""Bad input gets a clear error naming the argument: the public API, the sampler, the reproduction's study
configs and datasets."""

import warnings

import numpy as np
import pytest
import torch

import anyloss


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": torch.tensor([-1.0, 1.0, 1.0, -1.0])}, ValueError, r"only 0 and 1.*-1"),
        ({"target": torch.tensor([0, 2, 1, 0])}, ValueError, r"only 0 and 1.*2"),
        ({"input": torch.tensor([0.2, 1.5, 0.3, 0.9]), "from_logits": False}, ValueError, "from_logits=True"),
        ({"input": torch.randn(4, 3)}, ValueError, r"task='binary' expects input of shape"),
        ({"target": torch.zeros(5)}, ValueError, r"target of shape"),
        ({"metric": "f2score"}, ValueError, r"unknown metric 'f2score'; available: accuracy"),
        ({"L": 0.0}, ValueError, r"L must be a finite number > 0, got 0.0"),
        ({"L": -3.0}, ValueError, r"L must be"),
        ({"L": "73"}, TypeError, r"L must be a positive number"),
        ({"metric": "fbeta", "beta": 0.0}, ValueError, r"beta must be a number > 0"),
        ({"input": torch.tensor([1, 0, 1, 0])}, TypeError, r"floating"),
        ({"reduction": "batchmean"}, ValueError, r"reduction must be one of"),
        ({"average": "weighted"}, ValueError, r"average must be one of"),
        ({"task": "ranking"}, ValueError, r"task must be one of"),
        ({"weight": torch.ones(3)}, ValueError, r"weight must have shape \(4,\)"),
        ({"dataset_size": 2}, ValueError, r"dataset_size \(2\) must be >= the batch size \(4\)"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, error, match):
    args = {
        "input": torch.tensor([0.3, -1.0, 2.0, 0.1]),
        "target": torch.tensor([0.0, 1.0, 1.0, 0.0]),
        "metric": "f1",
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        anyloss.anyloss(args.pop("input"), args.pop("target"), args.pop("metric"), **args)


def test_bad_multiclass_inputs_and_warnings():
    with pytest.raises(ValueError, match=r"class indices must be in \[0, 2\]"):
        anyloss.anyloss(torch.randn(4, 3), torch.tensor([0, 1, 3, 2]), task="multiclass")
    with pytest.raises(TypeError, match="integer class indices"):
        anyloss.anyloss(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]), task="multiclass")
    with pytest.raises(ValueError, match="multilabel' expects target of shape"):
        anyloss.anyloss(torch.randn(4, 3), torch.ones(4, 2), task="multilabel")
    with pytest.raises(ValueError, match="r must be a number in"):
        anyloss.HybridAnyLoss(r=1.5)
    with pytest.warns(UserWarning, match="batch of size 1"):
        anyloss.anyloss(torch.tensor([0.3]), torch.tensor([1.0]), "accuracy")
    with pytest.warns(UserWarning, match="L=90"):
        anyloss.anyloss(torch.randn(4), torch.tensor([0.0, 1.0, 1.0, 0.0]), L=90.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the defaults warn about nothing
        anyloss.anyloss(torch.randn(8), torch.tensor([0.0, 1.0] * 4))


def test_bad_module_arguments():
    with pytest.raises(ValueError, match="task must be one of"):
        anyloss.AnyLoss("f1", task="ranking")
    with pytest.raises(ValueError, match="num_classes must be None or an int >= 2, got 1"):
        anyloss.AnyLoss("f1", task="multiclass", num_classes=1)
    with pytest.raises(ValueError, match="eps must be a number >= 0"):
        anyloss.F1Loss(eps=-1.0)
    with pytest.raises(ValueError, match="L must be"):
        anyloss.F1Loss(L=-2.0)
    with pytest.raises(ValueError, match="HybridAnyLoss does not take dataset_size"):
        anyloss.HybridAnyLoss("f1", dataset_size=100)


def test_bad_sampler_arguments():
    y = np.array([1] * 23 + [0] * 177)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        anyloss.StratifiedBatchSampler(y, batch_size=0)
    with pytest.raises(ValueError, match="labels must be 1-d"):
        anyloss.StratifiedBatchSampler(np.zeros((4, 2)), batch_size=2)
    with pytest.raises(ValueError, match="labels must not be empty"):
        anyloss.StratifiedBatchSampler(np.zeros(0), batch_size=2)
    with pytest.raises(ValueError, match="min_per_class must be an int >= 0"):
        anyloss.StratifiedBatchSampler(y, batch_size=8, min_per_class=-1)


# ------------------------------------------------------------------------------------ study configs


@pytest.mark.parametrize(
    ("study", "kwargs", "match"),
    [
        ("synthetic", {"losses": ("bce", "focal")}, r"synthetic\.losses must be a non-empty tuple"),
        ("synthetic", {"losses": ["bce", "anyloss_f1"]}, r"synthetic\.losses must be a non-empty tuple"),
        (
            "synthetic",
            {"losses": ("wbce", "anyloss_f1", "anyloss_bacc")},
            r"synthetic\.losses must include 'bce'",
        ),
        ("synthetic", {"losses": ("bce", "bce")}, r"synthetic\.losses names a loss twice"),
        (
            "synthetic",
            {"losses": ("bce", "anyloss_f1")},
            r"synthetic\.losses must include \['wbce', 'anyloss_bacc'\]",
        ),
        ("synthetic", {"n_splits": 1}, r"synthetic\.n_splits must be an int >= 2, got 1"),
        ("synthetic", {"epochs": 0}, r"synthetic\.epochs must be an int >= 1, got 0"),
        ("synthetic", {"epochs": True}, r"synthetic\.epochs must be an int"),
        ("synthetic", {"n": 50}, r"synthetic\.n must be an int >= 100, got 50"),
        ("synthetic", {"batch_frac": 0.0}, r"synthetic\.batch_frac must be a number in \(0, 1\]"),
        ("synthetic", {"L": float("inf")}, r"synthetic\.L must be a finite number > 0"),
        ("synthetic", {"strong": False}, r"synthetic\.criteria needs synthetic\.strong=True"),
        ("synthetic", {"strong": 1}, r"synthetic\.strong must be a bool"),
        ("real", {"datasets": ("mnist",)}, r"real\.datasets: unknown dataset 'mnist'"),
        ("real", {"datasets": ("synthetic",)}, r"real\.datasets: 'synthetic' is the synthetic study's"),
        ("real", {"datasets": ()}, r"real\.datasets must be a non-empty tuple"),
        ("real", {"losses": ("bce", "anyloss_f1")}, r"real\.losses must include \['wbce'\]"),
        (
            "L_table",
            {"ablation": (30.0, 73.0)},
            r"L_table\.ablation must hold distinct values other than L=73",
        ),
        ("L_table", {"ablation": (0.0,)}, r"L_table\.ablation must be a finite number > 0"),
        ("L_table", {"pure": False}, r"L_table\.criteria needs L_table\.pure=True"),
        ("timing", {"compiled": ("anyloss_f1",)}, r"timing\.compiled must include 'bce'"),
        ("timing", {"compiled": ("bce", "focal")}, r"timing\.compiled must be a tuple of timing\.losses"),
        ("timing", {"repeats": 0}, r"timing\.repeats must be an int >= 1, got 0"),
        ("timing", {"losses": ("bce", "wbce"), "compiled": ("bce",)}, r"timing\.criteria needs 'anyloss_f1'"),
    ],
)
def test_study_configs_are_validated(study, kwargs, match):
    from anyloss.reproduce import STUDIES

    with pytest.raises(ValueError, match=match):
        STUDIES[study].config(**kwargs)


def test_criteria_off_allows_partial_settings():
    from anyloss.reproduce import l_table, synthetic, timing

    # the criteria's needs are refused only where the criteria are judged
    cfg = synthetic.Config(losses=("bce", "anyloss_f1"), strong=False, criteria=False)
    assert (cfg.losses, cfg.strong) == (("bce", "anyloss_f1"), False)
    assert l_table.Config(pure=False, criteria=False).pure is False
    assert timing.Config(losses=("bce",), compiled=(), criteria=False).losses == ("bce",)
    with pytest.raises(ValueError, match="synthetic.criteria"):
        synthetic.Config(losses=("bce", "anyloss_f1"), strong=False)


def test_bad_override_on_the_command_line_names_the_field(capsys):
    from anyloss.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "synthetic.n_splits=1", "--no-progress"])
    assert "synthetic.n_splits must be an int >= 2, got 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "synthetic.folds=3", "--no-progress"])
    assert "synthetic has no field 'folds'" in capsys.readouterr().err


def test_unknown_dataset_is_refused():
    from anyloss.reproduce.data import load_dataset

    with pytest.raises(ValueError, match="load_dataset: unknown dataset 'mnist'; known: synthetic"):
        load_dataset("mnist")


# ------------------------------------------------------------------ issue #25: the sampler's neighbours


def test_drop_last_keeps_the_rare_class():
    # issue #25: StratifiedBatchSampler(drop_last=True) cut each batch after concatenating the classes in
    # order, so the rare class was what got dropped: 10 of 10 batches without a positive at min_per_class=5
    y = np.array([1] * 50 + [0] * 950)
    batches = list(anyloss.StratifiedBatchSampler(y, batch_size=50, min_per_class=5, drop_last=True))
    assert len(batches) == 10
    assert [int(y[b].sum()) for b in batches] == [5] * 10


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.zeros(10), 2.0), {}, ValueError, r"batch_size must be a positive int, got 2\.0"),
        ((np.zeros(10), 2), {"seed": "a"}, ValueError, r"seed must be an int >= 0, got 'a'"),
        ((np.zeros(10), 2), {"seed": 1.5}, ValueError, r"seed must be an int >= 0, got 1\.5"),
        ((np.zeros(10), 2), {"seed": -1}, ValueError, r"seed must be an int >= 0, got -1"),
        ((np.zeros(10), 2), {"shuffle": "no"}, TypeError, r"shuffle must be a bool, got str 'no'"),
        ((np.zeros(10), 2), {"drop_last": 1}, TypeError, r"drop_last must be a bool, got int 1"),
        ((np.zeros(10), 2), {"min_per_class": 1.0}, ValueError, r"min_per_class must be an int >= 0"),
        ((np.array([0.0, 1.0, np.nan, 1.0]), 2), {}, ValueError, r"labels must be finite class labels"),
        (([None, 1, None, 1], 2), {}, TypeError, r"labels must be comparable class labels of one type"),
        (
            (np.array([0, 1, 0]), 10),
            {"drop_last": True},
            ValueError,
            r"drop_last=True needs at least batch_size",
        ),
        (
            (np.array([0, 1, 2] * 40), 5),
            {"drop_last": True, "min_per_class": 2},
            ValueError,
            r"cannot keep min_per_class=2 of each of the 3 classes in a batch of batch_size=5",
        ),
        ((np.zeros(10), 2), {"num_replicas": 0}, ValueError, r"num_replicas must be an int >= 1, got 0"),
        (
            (np.zeros(10), 2),
            {"num_replicas": 2, "rank": 2},
            ValueError,
            r"rank must be in \[0, 1\] \(num_replicas=2\), got 2",
        ),
        ((np.zeros(10), 2), {"num_replicas": 2, "rank": -1}, ValueError, r"rank must be an int >= 0, got -1"),
        (
            (np.zeros(3), 2),
            {"num_replicas": 4, "rank": 0},
            ValueError,
            r"3 samples, fewer than num_replicas=4",
        ),
    ],
)
def test_bad_sampler_arguments_more(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        anyloss.StratifiedBatchSampler(*args, **kwargs)


def test_sampler_neighbours_accept_or_warn():
    y = np.array([1] * 3 + [0] * 97)
    assert len(anyloss.StratifiedBatchSampler(y, np.int64(10), min_per_class=0)) == 10  # numpy ints are ints
    with pytest.raises(ValueError, match="epoch must be an int >= 0, got 'x'"):
        anyloss.StratifiedBatchSampler(y, 10).set_epoch("x")
    with pytest.warns(UserWarning, match=r"min_per_class=5 cannot hold: the rarest class has 3 samples"):
        sampler = anyloss.StratifiedBatchSampler(y, 10, min_per_class=5)
    assert [len(b) for b in sampler] == [100]


# ------------------------------------------------------------------- issue #25: the losses' neighbours


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"eps": -1.0}, ValueError, r"eps must be a number >= 0, got -1\.0"),
        ({"eps": float("nan")}, ValueError, r"eps must be a number >= 0, got nan"),
        ({"metric": "fbeta", "beta": float("inf")}, ValueError, r"beta must be a finite number > 0, got inf"),
        ({"metric": "gmean", "root": "no"}, TypeError, r"root must be a bool, got str 'no'"),
        ({"strict": "yes"}, TypeError, r"strict must be a bool, got str 'yes'"),
        ({"validate_args": 0}, TypeError, r"validate_args must be a bool, got int 0"),
        ({"input": torch.zeros(0), "target": torch.zeros(0)}, ValueError, r"input is an empty batch"),
        (
            {"metric": lambda tn, fp, fn, tp: tp * 0 + 5.0},
            ValueError,
            r"the metric callable must return values <= 1 \(the loss is 1 - metric\), got 5",
        ),
        ({"target": torch.zeros(4, device="meta")}, ValueError, r"target is on device meta, input on cpu"),
        ({"weight": torch.ones(4, device="meta")}, ValueError, r"weight is on device meta, input on cpu"),
        ({"distributed": "yes"}, TypeError, r"distributed must be a bool"),
        ({"distributed": True}, RuntimeError, r"distributed=True needs an initialised torch\.distributed"),
    ],
)
def test_bad_loss_arguments_more(kwargs, error, match):
    args = {
        "input": torch.tensor([0.3, -1.0, 2.0, 0.1]),
        "target": torch.tensor([0.0, 1.0, 1.0, 0.0]),
        "metric": "f1",
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        anyloss.anyloss(args.pop("input"), args.pop("target"), args.pop("metric"), **args)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"compute_dtype": torch.int32}, TypeError, r"compute_dtype must be a floating torch\.dtype"),
        ({"dataset_size": -1}, ValueError, r"dataset_size must be None or a positive int, got -1"),
        ({"from_logits": "no"}, TypeError, r"from_logits must be a bool, got str 'no'"),
        ({"validate_args": "no"}, TypeError, r"validate_args must be a bool"),
        ({"strict": 1}, TypeError, r"strict must be a bool"),
        ({"root": None}, TypeError, r"root must be a bool"),
        ({"distributed": 1}, TypeError, r"distributed must be a bool"),
    ],
)
def test_bad_module_arguments_fail_at_construction(kwargs, error, match):
    # before: accepted by the constructor, then a late failure in forward (or bool("no") == True, silently)
    with pytest.raises(error, match=match):
        anyloss.AnyLoss("f1", **kwargs)


def test_module_distributed_without_process_group_says_so():
    loss_fn = anyloss.F1Loss(distributed=True)  # constructing it before init_process_group is fine
    with pytest.raises(RuntimeError, match=r"distributed=True needs an initialised torch\.distributed"):
        loss_fn(torch.randn(8), torch.tensor([0.0, 1.0] * 4))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_losses_follow_the_input_dtype(dtype):
    # dtype policy (issue #25): the losses have no parameters and follow the input's dtype, as torch's losses do
    # (float16/bfloat16 are computed in float32); nothing raises "mat1 and mat2 must have the same dtype"
    z = torch.randn(16).to(dtype).requires_grad_()
    y = (torch.arange(16) % 3 == 0).float()  # float32 target with a float64/half input
    w = torch.rand(16, dtype=torch.float64)
    for fn in (anyloss.F1Loss(), anyloss.BalancedAccuracyLoss(), anyloss.HybridAnyLoss()):
        loss = fn(z, y, weight=w)
        assert loss.dtype == (torch.float64 if dtype == torch.float64 else torch.float32)
        (g,) = torch.autograd.grad(loss, z)
        assert g.dtype == dtype and torch.isfinite(g.float()).all()
    mc = anyloss.AnyLoss("mcc", task="multiclass")(torch.randn(16, 3).to(dtype), torch.arange(16) % 3)
    assert torch.isfinite(mc)


@pytest.mark.gpu
def test_tensors_on_different_devices():
    """Issue #25: logits on CUDA, targets on the CPU: a clear error naming the devices, or the same loss."""
    from paperzoo_shared.testing import check_wrong_device

    logits, target = torch.randn(64, device="cuda"), (torch.rand(64) < 0.3).float()
    want = anyloss.F1Loss()(logits, target.cuda())
    assert check_wrong_device(lambda: anyloss.F1Loss()(logits, target), want) in ("clear", "sensible")
    want_tp = anyloss.soft_confusion_matrix(logits, target.cuda()).tp
    assert check_wrong_device(
        lambda: anyloss.soft_confusion_matrix(logits.cpu(), target.cuda()).tp, want_tp
    ) in ("clear", "sensible")
