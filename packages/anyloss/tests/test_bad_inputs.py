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
