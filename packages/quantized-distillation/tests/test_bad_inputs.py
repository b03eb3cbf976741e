"""Bad input gets a clear error naming the argument."""

import pytest
import torch
from torch import nn

import quantized_distillation as qd
from quantized_distillation.reproduce import compress


@pytest.mark.parametrize("bits", [0, 17, -1])
def test_bits_out_of_range(bits):
    with pytest.raises(ValueError, match="bits"):
        qd.uniform_quantize(torch.randn(10), bits=bits)


def test_bits_not_int():
    with pytest.raises(TypeError, match="bits"):
        qd.uniform_quantize(torch.randn(10), bits=2.5)


@pytest.mark.parametrize("k", [0, -3, 2.0, True])
def test_bucket_size_invalid(k):
    with pytest.raises(ValueError, match="bucket_size"):
        qd.uniform_quantize(torch.randn(10), bucket_size=k)


def test_nan_refused():
    with pytest.raises(ValueError, match="NaN"):
        qd.uniform_quantize(torch.tensor([1.0, float("nan")]))


def test_integer_tensor_refused():
    with pytest.raises(TypeError, match="floating-point"):
        qd.uniform_quantize(torch.arange(5))


def test_scaling_and_absmax_bits():
    with pytest.raises(ValueError, match="scaling"):
        qd.uniform_quantize(torch.randn(5), scaling="log")
    with pytest.raises(ValueError, match="absmax"):
        qd.uniform_quantize(torch.randn(5), bits=1, scaling="absmax")


def test_points_checks():
    w = torch.randn(10)
    with pytest.raises(ValueError, match="1-D"):
        qd.nonuniform_quantize(w, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="at least 2"):
        qd.nonuniform_quantize(w, torch.zeros(1))
    with pytest.raises(ValueError, match="sorted"):
        qd.nonuniform_quantize(w, torch.tensor([0.5, 0.1]))
    with pytest.warns(UserWarning, match="sorting"):
        lp = qd.LearnedPoints(torch.tensor([0.5, 0.1, 0.9]))
    assert lp.points.tolist() == sorted(lp.points.tolist())


def test_loss_checks():
    z = torch.randn(4, 3)
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(4, 3\)"):
        qd.distillation_loss(z, torch.randn(4, 5), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="temperature"):
        qd.distillation_loss(z, z, None, temperature=0.0)
    with pytest.raises(ValueError, match="alpha"):
        qd.DistillationLoss(alpha=1.5)
    with pytest.raises(ValueError, match="target is None"):
        qd.distillation_loss(z, z, None, alpha=0.5)


def test_dq_on_quantized_model_refused():
    model = nn.Linear(4, 2)
    qd.quantize_model_(model, bits=2)
    with pytest.raises(ValueError, match="full-precision"):
        qd.learn_points_(model, bits=2)
    with pytest.raises(ValueError, match="full-precision"):
        qd.fit_quantization_points(model, torch.randn(8, 4), torch.zeros(8, dtype=torch.long), epochs=1)
    with pytest.raises(ValueError, match="already quantized"):
        qd.quantize_model_(model, bits=2)


def test_buffers_included_are_skipped_with_message():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    with pytest.warns(UserWarning, match="running"):
        names = qd.quantize_model_(model, include=["1.running_mean", "1.num_batches_tracked", "0.weight"])
    assert names == ["0.weight"]


def test_fit_checks():
    model = nn.Linear(4, 2)
    with pytest.raises(ValueError, match="batch_size"):
        qd.fit_quantized_distillation(
            model, torch.randn(8, 4), torch.zeros(8, dtype=torch.long), batch_size=0
        )
    with pytest.raises(ValueError, match="same non-zero length"):
        qd.fit_quantized_distillation(model, torch.randn(8, 4), torch.zeros(7, dtype=torch.long))
    with pytest.raises(ValueError, match="teacher logits"):
        qd.fit_quantized_distillation(
            model, torch.randn(8, 4), torch.zeros(8, dtype=torch.long), teacher=torch.randn(3, 2)
        )
    with pytest.raises(ValueError, match="gradient"):
        qd.QuantizeWeight(gradient="complicated")
    with pytest.raises(ValueError, match="bits_per_parameter"):
        qd.quantize_model_(nn.Linear(2, 2), bits_per_parameter={"nope": 3})


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="compress.task"):
        compress.Config(task="mnist")
    with pytest.raises(ValueError, match="compress.epochs"):
        compress.Config(epochs=0)
