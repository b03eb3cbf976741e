"""Correctness of the approximation, the soft confusion matrix, the metrics and the losses (CPU, float64)."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import anyloss
from anyloss.metrics import METRICS

BUILTIN = sorted(METRICS)


def _batch(n=40, pos=0.3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator=g, dtype=dtype) * 2
    y = (torch.rand(n, generator=g) < pos).to(dtype)
    y[0], y[1] = 1, 0  # both classes present
    return z, y


# ------------------------------------------------------------------------------------ approximation A(p)


def test_amplify_center_symmetry_and_pair():
    d = torch.linspace(0, 0.5, 11, dtype=torch.float64)
    assert anyloss.amplify(torch.tensor(0.5, dtype=torch.float64)).item() == 0.5
    torch.testing.assert_close(anyloss.amplify(0.5 + d) + anyloss.amplify(0.5 - d), torch.ones_like(d))
    a, a_bar = anyloss.amplify_pair(0.5 + d)
    torch.testing.assert_close(a + a_bar, torch.ones_like(d))
    # the formula of the paper: 1 / (1 + exp(-L (p - 0.5)))
    p = torch.rand(50, dtype=torch.float64)
    torch.testing.assert_close(anyloss.amplify(p, L=73), 1 / (1 + torch.exp(-73 * (p - 0.5))))


def test_float32_confident_false_positive_keeps_gradient():
    # p = 0.95 for a negative sample: in float32 A(p) rounds to 1, so the derivative computed from the output,
    # L * A * (1 - A) (the authors' formulation), is exactly 0 -- ours is computed from the input
    p = torch.tensor([0.95, 0.2, 0.9, 0.1], requires_grad=True)
    y = torch.tensor([0.0, 0.0, 1.0, 1.0])
    naive = torch.sigmoid(73 * (p.detach() - 0.5))
    assert (73 * naive * (1 - naive))[0].item() == 0.0
    for metric in ("f1", "accuracy", "balanced_accuracy", "gmean", "mcc"):
        p.grad = None
        anyloss.anyloss(p, y, metric, from_logits=False).backward()
        assert p.grad[0].item() > 0, metric  # pushes the false positive down
    # also from a confident logit (sigmoid(20) == 1 in float32)
    z = torch.tensor([20.0, -3.0, 3.0, 3.0], requires_grad=True)
    anyloss.anyloss(z, y, "f1").backward()
    assert z.grad[0].item() > 0 and math.isfinite(z.grad[0].item())


def test_stable_sigmoid_gradient_matches_torch_and_never_vanishes():
    x = torch.linspace(-30, 30, 61, dtype=torch.float64, requires_grad=True)
    anyloss.stable_sigmoid(x).sum().backward()
    ref = torch.sigmoid(x.detach()) * torch.sigmoid(-x.detach())
    torch.testing.assert_close(x.grad, ref)
    x32 = torch.tensor([40.0, -40.0], requires_grad=True)
    anyloss.stable_sigmoid(x32).sum().backward()
    assert (x32.grad > 0).all()


# ------------------------------------------------------------------------ soft confusion matrix, metrics


@pytest.mark.parametrize("from_logits", [True, False])
def test_hard_limit_equals_sklearn(from_logits):
    metrics = pytest.importorskip("sklearn.metrics")
    g = torch.Generator().manual_seed(1)
    y = (torch.rand(200, generator=g) < 0.3).double()
    pred = (torch.rand(200, generator=g) < 0.4).double()
    p = torch.where(pred > 0, 0.99, 0.01).double()
    inp = torch.logit(p) if from_logits else p
    cm = anyloss.soft_confusion_matrix(inp, y, from_logits=from_logits)
    yt, yp = y.numpy().astype(int), pred.numpy().astype(int)
    tn, fp, fn, tp = metrics.confusion_matrix(yt, yp).ravel()
    torch.testing.assert_close(
        torch.stack(list(cm)), torch.tensor([tn, fp, fn, tp], dtype=torch.float64), atol=1e-6, rtol=0
    )
    tpr, tnr = tp / (tp + fn), tn / (tn + fp)
    expected = {
        "accuracy": metrics.accuracy_score(yt, yp),
        "f1": metrics.f1_score(yt, yp),
        "fbeta": metrics.fbeta_score(yt, yp, beta=2.0),
        "precision": metrics.precision_score(yt, yp),
        "recall": metrics.recall_score(yt, yp),
        "specificity": tnr,
        "npv": tn / (tn + fn),
        "balanced_accuracy": metrics.balanced_accuracy_score(yt, yp),
        "gmean": math.sqrt(tpr * tnr),
        "mcc": metrics.matthews_corrcoef(yt, yp),
    }
    for name, value in expected.items():
        loss = anyloss.anyloss(inp, y, name, beta=2.0, from_logits=from_logits)
        metric = 1 - 2 * loss.item() if name == "mcc" else 1 - loss.item()
        assert metric == pytest.approx(value, abs=1e-6), name


@pytest.mark.parametrize("metric", BUILTIN)
def test_gradcheck_binary(metric):
    z, y = _batch()
    for L in (73.0, 5.0, None):
        assert torch.autograd.gradcheck(
            lambda t: anyloss.anyloss(t, y, metric, L=L, beta=0.7), (z.clone().requires_grad_(),)
        )
    p = torch.sigmoid(z).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: anyloss.anyloss(t, y, metric, L=5.0, from_logits=False), (p,))


@pytest.mark.parametrize("task", ["multiclass", "multilabel"])
@pytest.mark.parametrize("average", ["macro", "micro"])
def test_gradcheck_multiclass_multilabel(task, average):
    g = torch.Generator().manual_seed(2)
    z = torch.randn(30, 3, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.arange(30) % 3 if task == "multiclass" else (torch.rand(30, 3, generator=g) < 0.4).double()
    for metric in ("f1", "accuracy", "balanced_accuracy", "gmean", "mcc"):
        fn = lambda t, m=metric: anyloss.anyloss(t, y, m, task=task, average=average, L=5.0)
        assert torch.autograd.gradcheck(fn, (z,)), metric


def test_accuracy_gradient_is_analytic():
    # d(1 - acc)/dp_i = (1 - 2 y_i) A'(p_i) / N
    p = torch.rand(25, dtype=torch.float64, requires_grad=True)
    y = (torch.arange(25) % 3 == 0).double()
    anyloss.anyloss(p, y, "accuracy", from_logits=False, L=10.0, eps=0.0).backward()
    s = torch.sigmoid(10.0 * (p.detach() - 0.5))
    torch.testing.assert_close(p.grad, (1 - 2 * y) * 10.0 * s * (1 - s) / 25)


def test_fbeta_limits_and_f1():
    z, y = _batch()
    prec = 1 - anyloss.anyloss(z, y, "precision")
    rec = 1 - anyloss.anyloss(z, y, "recall")
    torch.testing.assert_close(1 - anyloss.anyloss(z, y, "fbeta", beta=1e-4), prec, atol=1e-6, rtol=0)
    torch.testing.assert_close(1 - anyloss.anyloss(z, y, "fbeta", beta=1e4), rec, atol=1e-6, rtol=0)
    torch.testing.assert_close(anyloss.anyloss(z, y, "fbeta", beta=1.0), anyloss.anyloss(z, y, "f1"))


def test_invariant_to_batch_order_and_duplication():
    z, y = _batch(n=64)
    perm = torch.randperm(64)
    for metric in BUILTIN:
        base = anyloss.anyloss(z, y, metric)
        torch.testing.assert_close(anyloss.anyloss(z[perm], y[perm], metric), base)
        if (
            metric != "accuracy"
        ):  # every metric is a ratio of counts: duplicating the batch leaves it unchanged
            torch.testing.assert_close(
                anyloss.anyloss(z.repeat(2), y.repeat(2), metric), base, atol=1e-6, rtol=0
            )


def test_matches_naive_loop_and_weights_equal_duplication():
    g = torch.Generator().manual_seed(3)
    z = torch.randn(20, 4, generator=g, dtype=torch.float64)
    y = (torch.rand(20, 4, generator=g) < 0.5).double()
    w = torch.randint(0, 3, (20,), generator=g).double()
    cm = anyloss.soft_confusion_matrix(z, y, task="multilabel", weight=w, L=73.0)
    for k in range(4):
        tn = fp = fn = tp = 0.0
        for i in range(20):
            a = 1 / (1 + math.exp(-73 * (1 / (1 + math.exp(-z[i, k].item())) - 0.5)))
            yi, wi = y[i, k].item(), w[i].item()
            tp += wi * yi * a
            fn += wi * yi * (1 - a)
            fp += wi * (1 - yi) * a
            tn += wi * (1 - yi) * (1 - a)
        assert [cm.tn[k].item(), cm.fp[k].item(), cm.fn[k].item(), cm.tp[k].item()] == pytest.approx(
            [tn, fp, fn, tp], abs=1e-9
        )
    # integer sample weights == repeating samples
    rep = torch.repeat_interleave(torch.arange(20), w.long())
    cm_rep = anyloss.soft_confusion_matrix(z[rep], y[rep], task="multilabel", L=73.0)
    torch.testing.assert_close(torch.stack(list(cm)), torch.stack(list(cm_rep)))


def test_multiclass_macro_is_mean_of_one_vs_rest():
    g = torch.Generator().manual_seed(4)
    z = torch.randn(50, 2, generator=g, dtype=torch.float64)
    y = torch.arange(50) % 2
    p1 = torch.softmax(z, -1)[:, 1]
    f1_pos = anyloss.anyloss(p1, y.double(), "f1", from_logits=False)
    f1_neg = anyloss.anyloss(1 - p1, 1 - y.double(), "f1", from_logits=False)
    macro = anyloss.anyloss(z, y, "f1", task="multiclass")
    torch.testing.assert_close(macro, (f1_pos + f1_neg) / 2)
    per_class = anyloss.anyloss(z, y, "f1", task="multiclass", reduction="none")
    assert per_class.shape == (2,)
    torch.testing.assert_close(
        per_class.sum(), anyloss.anyloss(z, y, "f1", task="multiclass", reduction="sum")
    )
    # K = 5: macro = mean over classes of the one-vs-rest binary loss on the softmax column
    z5 = torch.randn(60, 5, generator=g, dtype=torch.float64)
    y5 = torch.arange(60) % 5
    p5 = torch.softmax(z5, -1)
    ovr = [
        anyloss.anyloss(p5[:, k], (y5 == k).double(), "balanced_accuracy", from_logits=False)
        for k in range(5)
    ]
    torch.testing.assert_close(
        anyloss.anyloss(z5, y5, "balanced_accuracy", task="multiclass"), torch.stack(ovr).mean()
    )
    # multi-class accuracy = sum_i sum_k y_ik A(p_ik) / N
    acc = (F.one_hot(y5, 5) * anyloss.amplify(p5)).sum() / 60
    torch.testing.assert_close(
        1 - anyloss.anyloss(z5, y5, "accuracy", task="multiclass"), acc, atol=1e-7, rtol=0
    )


def test_micro_average_pools_counts():
    g = torch.Generator().manual_seed(5)
    z = torch.randn(40, 3, generator=g, dtype=torch.float64)
    y = (torch.rand(40, 3, generator=g) < 0.4).double()
    cm = anyloss.soft_confusion_matrix(z, y, task="multilabel")
    tp, fp, fn = cm.tp.sum(), cm.fp.sum(), cm.fn.sum()
    torch.testing.assert_close(
        anyloss.anyloss(z, y, "f1", task="multilabel", average="micro"),
        1 - 2 * tp / (2 * tp + fp + fn + 1e-7),
    )


def test_from_logits_and_probabilities_agree_and_pure_variant():
    z, y = _batch()
    for metric in BUILTIN:
        torch.testing.assert_close(
            anyloss.anyloss(z, y, metric), anyloss.anyloss(torch.sigmoid(z), y, metric, from_logits=False)
        )
    # L=None: no amplification (soft Dice): 1 - 2 sum(y p) / (sum(y) + sum(p))
    p = torch.sigmoid(z)
    torch.testing.assert_close(
        anyloss.anyloss(z, y, "f1", L=None), 1 - 2 * (y * p).sum() / (y.sum() + p.sum() + 1e-7)
    )


def test_missing_class_no_nan_warns_or_raises():
    z = torch.randn(16, dtype=torch.float64, requires_grad=True)
    y = torch.zeros(16, dtype=torch.float64)
    for metric in ("recall", "f1", "balanced_accuracy", "gmean", "mcc"):
        with pytest.warns(RuntimeWarning, match="undefined"):
            loss = anyloss.anyloss(z, y, metric)
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(z.grad).all(), metric
        z.grad = None
        with pytest.raises(ValueError, match="undefined"):
            anyloss.anyloss(z, y, metric, strict=True)
    # balanced accuracy / G-mean fall back to the rate that exists (specificity)
    spec = 1 - anyloss.anyloss(z, y, "specificity")
    torch.testing.assert_close(1 - anyloss.anyloss(z, y, "balanced_accuracy", validate_args=False), spec)
    torch.testing.assert_close(1 - anyloss.anyloss(z, y, "gmean", validate_args=False), spec)


def test_dataset_size_reproduces_the_official_normalisation():
    p = torch.rand(32, dtype=torch.float64)
    y = (torch.arange(32) % 4 == 0).double()
    yl = 1000
    a = anyloss.amplify(p)
    sy, syh, syhy = y.sum(), a.sum(), (y * a).sum()
    official_acc = (yl - sy - syh + 2 * syhy) / yl  # the Keras loss of the official code
    ours = 1 - anyloss.anyloss(p, y, "accuracy", from_logits=False, dataset_size=yl, eps=0.0)
    torch.testing.assert_close(ours, official_acc)
    official_bacc = (yl * (syhy + sy) - sy * (syh + sy)) / (2 * sy * (yl - sy))
    ours_b = 1 - anyloss.anyloss(p, y, "balanced_accuracy", from_logits=False, dataset_size=yl, eps=0.0)
    torch.testing.assert_close(ours_b, official_bacc)


def test_custom_metric_callable():
    z, y = _batch()
    youden = lambda tn, fp, fn, tp: tp / (tp + fn) + tn / (tn + fp) - 1
    bacc = anyloss.anyloss(z, y, "balanced_accuracy", eps=0.0)
    torch.testing.assert_close(anyloss.anyloss(z, y, youden), 2 * bacc)  # 1 - J = 1 - (2 BA - 1) = 2 (1 - BA)
    assert "custom" in repr(anyloss.AnyLoss(youden))


def test_hybrid_and_weighted_bce():
    z, y = _batch()
    n, n1 = len(y), y.sum()
    w = torch.where(y > 0, (n - n1) / n, n1 / n)
    torch.testing.assert_close(anyloss.weighted_bce(z, y), F.binary_cross_entropy_with_logits(z, y, weight=w))
    torch.testing.assert_close(anyloss.hybrid_anyloss(z, y, "f1", r=0.0), anyloss.weighted_bce(z, y))
    torch.testing.assert_close(anyloss.hybrid_anyloss(z, y, "f1", r=1.0), anyloss.anyloss(z, y, "f1"))
    mix = anyloss.HybridAnyLoss("gmean", r=0.3)(z, y)
    torch.testing.assert_close(mix, 0.7 * anyloss.weighted_bce(z, y) + 0.3 * anyloss.anyloss(z, y, "gmean"))


# --------------------------------------------------------------------------------------------- modules


def test_modules_match_functional_repr_state_dict_and_dtype():
    z, y = _batch(dtype=torch.float32)
    cases = [
        (anyloss.F1Loss(), "f1", {}),
        (anyloss.AccuracyLoss(), "accuracy", {}),
        (anyloss.FBetaLoss(beta=2.0), "fbeta", {"beta": 2.0}),
        (anyloss.BalancedAccuracyLoss(), "balanced_accuracy", {}),
        (anyloss.GMeanLoss(root=False), "gmean", {"root": False}),
        (anyloss.MCCLoss(), "mcc", {}),
        (anyloss.PrecisionLoss(), "precision", {}),
        (anyloss.RecallLoss(), "recall", {}),
        (anyloss.SpecificityLoss(), "specificity", {}),
    ]
    for module, name, kw in cases:
        torch.testing.assert_close(module(z, y), anyloss.anyloss(z, y, name, **kw))
        assert name in repr(module) and "L=73.0" in repr(module)
        clone = type(module)(**kw)
        clone.load_state_dict(module.state_dict())
        torch.testing.assert_close(clone(z, y), module(z, y))
    loss = anyloss.F1Loss().to(torch.float64)(z.double(), y.double())
    assert loss.dtype == torch.float64
    assert anyloss.F1Loss(compute_dtype=torch.float64)(z, y).dtype == torch.float64
    # (N, 1) inputs compose like nn.BCEWithLogitsLoss
    torch.testing.assert_close(anyloss.F1Loss()(z[:, None], y[:, None]), anyloss.F1Loss()(z, y))
    module = anyloss.AnyLoss("f1", task="multiclass", num_classes=3)
    assert "num_classes=3" in repr(module)
    with pytest.raises(ValueError, match="num_classes=3"):
        module(torch.randn(8, 4), torch.arange(8) % 4)


def test_bf16_autocast_loss_is_float32_with_gradient():
    model = torch.nn.Linear(3, 1)
    x = torch.randn(32, 3)
    y = (torch.arange(32) % 4 == 0).float()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(x).squeeze(-1)
        assert out.dtype == torch.bfloat16
        loss = anyloss.F1Loss()(out, y)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(model.weight.grad).all() and model.weight.grad.abs().sum() > 0
    z = torch.tensor(
        [6.0, -2.0, 2.0, 2.0], dtype=torch.bfloat16, requires_grad=True
    )  # confident false positive
    anyloss.F1Loss()(z, torch.tensor([0.0, 0.0, 1.0, 1.0])).backward()
    assert z.grad[0].float() > 0


def test_numpy_reference_values():
    # hand-computed soft counts at L = 4 (numpy, float64) for a 4-sample batch
    p = np.array([0.9, 0.6, 0.3, 0.1])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    a = 1 / (1 + np.exp(-4 * (p - 0.5)))
    tp, fp = (y * a).sum(), ((1 - y) * a).sum()
    f1 = 2 * tp / (y.sum() + a.sum())
    got = 1 - anyloss.anyloss(torch.tensor(p), torch.tensor(y), "f1", from_logits=False, L=4.0, eps=0.0)
    assert got.item() == pytest.approx(f1, rel=1e-12)
    assert tp == pytest.approx(0.83201839 + 0.31002552, rel=1e-6) and fp == pytest.approx(
        0.59868766 + 0.16798161, rel=1e-6
    )


# ------------------------------------------------------------------------ the fused F-beta fast path


def _generic_fbeta_loss(z, y, *, task, beta, **kw):
    """``1 - F_beta`` via the public counts and metric (the path the fused node replaces)."""
    cm = anyloss.soft_confusion_matrix(z, y, task=task, **kw)
    loss = 1.0 - anyloss.metrics.fbeta(*cm, beta=beta, eps=1e-7)
    return loss if loss.dim() == 0 else loss.sum()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(
    "case",
    [
        dict(task="binary", shape=(50,), beta=1.0),
        dict(task="binary", shape=(50, 1), beta=0.5, weighted=True),
        dict(task="binary", shape=(50,), beta=2.0, L=None),
        dict(task="binary", shape=(50,), beta=1.0, from_logits=False),
        dict(task="multilabel", shape=(50, 4), beta=1.0),
        dict(task="multilabel", shape=(50, 3), beta=2.0, weighted=True, L=5.0),
    ],
)
def test_fused_fbeta_matches_counts_then_metric(case, dtype):
    g = torch.Generator().manual_seed(3)
    shape, task, beta = case["shape"], case["task"], case["beta"]
    z = (torch.randn(shape, generator=g, dtype=torch.float64) * 6).to(dtype)  # many saturated predictions
    y = (torch.rand(shape, generator=g) < 0.3).to(dtype)
    kw = {"L": case.get("L", 73.0), "from_logits": case.get("from_logits", True)}
    if not kw["from_logits"]:
        z = torch.sigmoid(z)
    if case.get("weighted"):
        kw["weight"] = torch.rand(shape[0], generator=g, dtype=torch.float64).to(dtype) + 0.5
    metric = "f1" if beta == 1.0 else "fbeta"
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    fused = anyloss.anyloss(z1, y, metric, task=task, beta=beta, reduction="sum", **kw)
    generic = _generic_fbeta_loss(z2, y, task=task, beta=beta, **kw)
    fused.backward()
    generic.backward()
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert fused.dtype == dtype and fused.shape == ()
    assert torch.allclose(fused, generic, rtol=tol, atol=tol)
    assert torch.allclose(z1.grad, z2.grad, rtol=tol * 10, atol=1e-30)
    assert z1.grad.shape == z.shape
    if dtype == torch.float64:  # the hand-written backward against finite differences
        assert torch.autograd.gradcheck(
            lambda t: anyloss.anyloss(t, y, metric, task=task, beta=beta, reduction="sum", **kw),
            (z.clone().requires_grad_(),),
        )


def _graph_nodes(t):
    seen, todo = set(), [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo += [nxt for nxt, _ in node.next_functions]
    return seen


def test_f1_loss_graph_is_one_node():
    # time next to BCE is the loss's autograd graph on small models: F1 is a single node on top of the input
    # (the first implementation had ~10: counts node, four index nodes, the metric's arithmetic, 1 - metric)
    z = torch.randn(64, requires_grad=True)
    y = (torch.rand(64) < 0.2).float()
    for loss in (anyloss.anyloss(z, y, "f1"), anyloss.F1Loss()(z, y), anyloss.FBetaLoss(beta=2.0)(z, y)):
        nodes = _graph_nodes(loss)
        assert len(nodes) == 2, [type(n).__name__ for n in nodes]  # fused node + AccumulateGrad of z
    zm = torch.randn(64, 3, requires_grad=True)
    loss = anyloss.anyloss(zm, (torch.rand(64, 3) < 0.2).float(), "f1", task="multilabel")
    assert len(_graph_nodes(loss)) == 3  # fused node, mean over labels, AccumulateGrad


def test_validation_reads_the_device_once(monkeypatch):
    # every value check of a call (target in {0, 1}, probabilities in [0, 1], weights >= 0, both classes present)
    # is gathered on the device and read back in ONE transfer: on a GPU each extra read is a pipeline stall
    calls = {"tolist": 0}
    tolist = torch.Tensor.tolist

    def counting_tolist(self):
        calls["tolist"] += 1
        return tolist(self)

    def no_bool(self):
        raise AssertionError("host sync through bool()")

    z, y = _batch(n=32)
    w = torch.rand(32, dtype=torch.float64)
    monkeypatch.setattr(torch.Tensor, "tolist", counting_tolist)
    monkeypatch.setattr(torch.Tensor, "__bool__", no_bool)
    monkeypatch.setattr(torch.Tensor, "item", no_bool)
    for kwargs in (
        dict(metric="f1"),
        dict(metric="f1", weight=w, from_logits=False),
        dict(metric="balanced_accuracy", weight=w),
        dict(metric="gmean", strict=True),
    ):
        calls["tolist"] = 0
        inp = torch.sigmoid(z) if kwargs.get("from_logits") is False else z
        anyloss.anyloss(inp.clone().requires_grad_(), y, **kwargs).backward()
        assert calls["tolist"] == 1, kwargs
    calls["tolist"] = 0
    anyloss.anyloss(z, y, "f1", validate_args=False)
    assert calls["tolist"] == 0
    monkeypatch.undo()
    with pytest.raises(ValueError, match="only 0 and 1"):  # the deferred checks still raise, with the values
        anyloss.anyloss(z, y * 2, "f1")
    with pytest.raises(ValueError, match="non-negative"):
        anyloss.anyloss(z, y, "f1", weight=-w)
