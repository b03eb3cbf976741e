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


# ---- issue #25: the bad-input sweep's findings

X, Y = torch.randn(16, 4), torch.arange(16) % 2


def fit(**kw):
    return qd.fit_quantized_distillation(nn.Linear(4, 2), X, Y, **({"epochs": 1, "batch_size": 8} | kw))


def test_inf_refused_by_the_quantizers():
    w = torch.tensor([1.0, float("inf"), 0.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        qd.uniform_quantize(w)
    with pytest.raises(ValueError, match="NaN or inf"):
        qd.nonuniform_quantize(w, torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="NaN or inf"):
        qd.quantile_points(torch.tensor([1.0, float("nan")]), 4)


def test_points_arguments():
    with pytest.raises(ValueError, match="n_points"):
        qd.quantile_points(torch.randn(10), 2.5)
    with pytest.raises(ValueError, match="n_points"):
        qd.uniform_points("4")
    with pytest.raises(TypeError, match="dtype"):
        qd.uniform_points(4, dtype=torch.int64)
    with pytest.raises(TypeError, match="points"):
        qd.LearnedPoints([0.0, 1.0])
    with pytest.raises(ValueError, match="fitted shape"):
        qd.BucketScaler.fit(torch.randn(300), bucket_size=7).scale(torch.randn(30))


def test_model_and_pattern_arguments():
    with pytest.raises(TypeError, match="model"):
        qd.quantize_model_(torch.tanh)
    with pytest.raises(TypeError, match="model"):
        qd.learn_points_("model")
    with pytest.raises(TypeError, match="model"):
        qd.strip_quantization_(None)
    with pytest.raises(TypeError, match="include"):
        qd.quantize_model_(nn.Linear(4, 2), include="weight")
    with pytest.raises(ValueError, match="selects no parameter"):
        qd.quantize_model_(nn.Linear(4, 2), include=["nomatch*"])


def test_loss_arguments():
    z, t = torch.randn(4, 3), torch.tensor([0, 1, 2, 0])
    with pytest.raises(ValueError, match="temperature"):
        qd.distillation_loss(z, z, t, temperature=float("inf"))
    with pytest.raises(ValueError, match="target.*range"):
        qd.distillation_loss(z, z, t + 3)
    with pytest.raises(TypeError, match="student_logits"):
        qd.distillation_loss(z.tolist(), z, t)
    with pytest.raises(TypeError, match="student_logits"):
        qd.distillation_loss(z.long(), z, t)
    with pytest.raises(TypeError, match="teacher_logits"):
        qd.distillation_loss(z, z.tolist(), t)
    with pytest.raises(TypeError, match="target"):
        qd.distillation_loss(z, z, t.float())
    with pytest.raises(ValueError, match="empty"):
        qd.distillation_loss(z[:0], z[:0], t[:0])


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"momentum": 1.5}, "momentum"),
        ({"clip_grad_norm": 0.0}, "clip_grad_norm"),
        ({"clip_grad_norm": float("nan")}, "clip_grad_norm"),
        ({"seed": "a"}, "seed"),
        ({"teacher": "self"}, "teacher"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"callback": 3}, "callback"),
    ],
)
def test_fit_hyperparameters(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fit(**kw)


def test_fit_data():
    with pytest.raises(ValueError, match="NaN or inf"):
        qd.fit_quantized_distillation(nn.Linear(4, 2), X.masked_fill(X > 1, float("inf")), Y)
    with pytest.raises(TypeError, match="y must be an integer"):
        qd.fit_quantized_distillation(nn.Linear(4, 2), X, Y.float())
    with pytest.raises(ValueError, match="y holds class 3"):
        qd.fit_quantized_distillation(nn.Linear(4, 2), X, Y + 2)
    with pytest.raises(TypeError, match="dtype"):
        qd.fit_quantized_distillation(nn.Linear(4, 2), X.double(), Y)
    with pytest.raises(TypeError, match="student"):
        qd.fit_quantized_distillation(lambda t: t, X, Y)
    with pytest.raises(ValueError, match="lr"):
        qd.fit_quantization_points(nn.Linear(4, 2), X, Y, lr=0.0, epochs=1)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        m = nn.Linear(4, 2)
        qd.quantized_distillation_step(m, X, Y, torch.optim.SGD(m.parameters(), lr=0.1), clip_grad_norm=-1.0)


def test_fit_names_the_devices():
    with pytest.raises(ValueError, match="device cpu.*device meta"):
        qd.fit_quantized_distillation(nn.Linear(4, 2).to("meta"), X, Y, epochs=1)


def test_bad_checkpoints_name_the_file(tmp_path):
    ck = tmp_path / "qd.ckpt"
    fit(checkpoint=ck)
    with pytest.raises(ValueError, match="qd.ckpt does not fit"):
        qd.fit_quantized_distillation(nn.Linear(4, 3), X, Y, epochs=2, checkpoint=ck)
    ck.write_bytes(ck.read_bytes()[:50])
    with pytest.raises(ValueError, match="qd.ckpt could not be read"):
        fit(checkpoint=ck, epochs=2)
    torch.save({"a": 1}, ck)
    with pytest.raises(ValueError, match="not a quantized-distillation checkpoint"):
        fit(checkpoint=ck, epochs=2)


def test_size_and_export_arguments():
    with pytest.raises(ValueError, match="bits"):
        qd.allocate_points({"a": 1.0}, bits=0)
    with pytest.raises(ValueError, match="full_bits"):
        qd.compression_ratio(4, full_bits=2.5)
    with pytest.raises(ValueError, match="full_bits"):
        qd.model_size_bits(nn.Linear(2, 2), full_bits=0)
    with pytest.raises(TypeError, match="model_or_packed"):
        qd.model_size_bits("model")
    with pytest.raises(TypeError, match="codes"):
        qd.huffman_bits([0, 1])
    with pytest.raises(ValueError, match="integer"):
        qd.huffman_bits(torch.tensor([0.5, 1.0]))
    assert qd.huffman_bits(torch.zeros(0, dtype=torch.long)) == 0
    m = nn.Linear(4, 2)
    qd.quantize_model_(m, bits=2)
    p = qd.pack(m)
    p["quantized"]["weight"]["codes"] = p["quantized"]["weight"]["codes"][:1]
    with pytest.raises(ValueError, match="truncated or damaged"):
        qd.unpack(p)


@pytest.mark.gpu
def test_fit_on_cuda_refuses_cpu_inputs():
    student = nn.Linear(4, 2).cuda()
    qd.quantize_model_(student, bits=2)
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        qd.fit_quantized_distillation(student, X, Y, epochs=1)
    qd.fit_quantized_distillation(student, X.cuda(), Y.cuda(), epochs=1)  # on one device it trains
