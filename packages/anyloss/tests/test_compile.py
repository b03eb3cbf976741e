"""Under torch.compile the losses trace as one graph with their default arguments (issue #24): the input checks,
which read the device back (a graph break), are skipped while compiling; eager calls still check."""

import pytest
import torch

import anyloss


def _cases():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(64, generator=g, dtype=torch.float64)
    y = (torch.rand(64, generator=g) < 0.3).double()
    zm = torch.randn(64, 3, generator=g, dtype=torch.float64)
    return [
        ("f1", anyloss.F1Loss(), z, y),
        ("balanced_accuracy", anyloss.BalancedAccuracyLoss(), z, y),
        ("hybrid", anyloss.HybridAnyLoss(), z, y),
        ("multiclass f1", anyloss.AnyLoss("f1", task="multiclass", num_classes=3), zm, torch.arange(64) % 3),
        ("multilabel mcc", anyloss.MCCLoss(task="multilabel"), zm, (zm > 0.5).double()),
    ]


def _explain(name, loss_fn, z, y):
    """``(graph breaks, graphs, break reasons)`` of ``loss_fn(z, y)`` under torch.compile's tracer."""
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(loss_fn)(z, y)
    return explanation.graph_break_count, explanation.graph_count, explanation.break_reasons


def test_no_graph_break_with_default_arguments():
    for case in _cases()[:2]:  # F1Loss (the fused path) and balanced accuracy (the generic path)
        breaks, graphs, reasons = _explain(*case)
        assert (breaks, graphs) == (0, 1), (case[0], reasons)
    torch._dynamo.reset()


@pytest.mark.slow
def test_every_loss_compiles_as_one_graph_and_matches_eager():
    for name, loss_fn, z, y in _cases():
        breaks, graphs, reasons = _explain(name, loss_fn, z, y)
        assert (breaks, graphs) == (0, 1), (name, reasons)
        # the compiled loss (fullgraph: a break would raise) gives the eager value and gradient
        compiled = torch.compile(loss_fn, fullgraph=True, backend="eager")
        ze, zc = z.clone().requires_grad_(), z.clone().requires_grad_()
        eager, traced = loss_fn(ze, y), compiled(zc, y)
        torch.testing.assert_close(traced, eager)
        eager.backward()
        traced.backward()
        torch.testing.assert_close(zc.grad, ze.grad)
    torch._dynamo.reset()


def test_eager_calls_still_validate():
    z = torch.randn(8)
    with pytest.raises(ValueError, match="only 0 and 1"):
        anyloss.F1Loss()(z, torch.tensor([0.0, 2.0] * 4))
    with pytest.warns(RuntimeWarning, match="undefined"):
        anyloss.F1Loss()(z, torch.zeros(8))
