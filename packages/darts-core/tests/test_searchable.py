"""The Architect and search accept any module with the Searchable methods (not only cell supernets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

import darts_core as dc


class LayerwiseSupernet(nn.Module):
    """A tiny non-cell supernet: two layers, each a softmax(α)-weighted sum of three smooth candidates."""

    def __init__(self, d: int = 5, classes: int = 3) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.ModuleList(nn.Linear(d, d) for _ in range(3)) for _ in range(2))
        self.head = nn.Linear(d, classes)
        self.alpha = nn.Parameter(1e-1 * torch.randn(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(self.alpha, dim=-1)
        for i, cands in enumerate(self.layers):
            x = sum(w[i, k] * torch.tanh(c(x)) for k, c in enumerate(cands))
        return self.head(x)

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha]

    def named_weight_parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        return ((n, p) for n, p in self.named_parameters() if n != "alpha")

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for _, p in self.named_weight_parameters()]

    def arch_weights(self) -> dict[str, torch.Tensor]:
        return {"layers": torch.softmax(self.alpha, dim=-1)}

    def genotype(self, rule: object = None) -> tuple[int, ...]:
        return tuple(int(i) for i in self.alpha.argmax(-1))

    @staticmethod
    def parse_genotype(text: str) -> tuple[int, ...]:
        return tuple(int(t) for t in text.strip("(,)").split(","))


def _batches(seed: int) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    x, xv = (
        torch.randn(16, 5, generator=g, dtype=torch.float64),
        torch.randn(16, 5, generator=g, dtype=torch.float64),
    )
    return (x, torch.randint(0, 3, (16,), generator=g)), (xv, torch.randint(0, 3, (16,), generator=g))


def test_first_order_gradient_of_a_non_cell_supernet_is_the_plain_autograd_gradient():
    torch.manual_seed(0)
    model = LayerwiseSupernet().double()
    train, val = _batches(1)
    arch = dc.Architect(model, order=1)
    grads, loss = arch.arch_gradient(train, val, 0.1, None)
    expected = torch.autograd.grad(F.cross_entropy(model(val[0]), val[1]), model.alpha)[0]
    torch.testing.assert_close(grads[0], expected)
    torch.testing.assert_close(loss, F.cross_entropy(model(val[0]), val[1]).detach())


def test_second_order_gradient_of_a_non_cell_supernet_matches_the_unrolled_derivative():
    """Eq. 7 with the exact Hessian-vector product equals d/dα L_val(w - ξ grad_w L_train(w, α), α) by autograd."""
    torch.manual_seed(0)
    model = LayerwiseSupernet().double()
    train, val = _batches(2)
    xi = 0.3
    arch = dc.Architect(model, order=2, hvp="exact")
    grads, _ = arch.arch_gradient(train, val, xi, None)
    names = [n for n, _ in model.named_weight_parameters()]
    params = [p for _, p in model.named_weight_parameters()]
    gw = torch.autograd.grad(F.cross_entropy(model(train[0]), train[1]), params, create_graph=True)
    unrolled = {n: p - xi * g for n, p, g in zip(names, params, gw, strict=True)}
    full = torch.autograd.grad(
        F.cross_entropy(functional_call(model, unrolled, (val[0],)), val[1]), model.alpha
    )[0]
    torch.testing.assert_close(grads[0], full)
    fd, _ = dc.Architect(model, order=2).arch_gradient(train, val, xi, None)  # the official finite difference
    torch.testing.assert_close(fd[0], full, rtol=1e-3, atol=1e-6)


def test_search_runs_on_a_non_cell_supernet_and_moves_alpha():
    torch.manual_seed(0)
    model = LayerwiseSupernet()
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 5, generator=g)
    y = (x[:, 0] > 0).long()
    batches = [(x[:16], y[:16]), (x[16:], y[16:])]
    before = model.alpha.detach().clone()
    res = dc.search(model, batches, batches, 2, arch_lr=0.05, grad_clip=None)
    assert not torch.equal(before, model.alpha.detach())
    assert res.genotype == model.genotype()
    assert len(res.history) == 2


def test_modules_without_the_searchable_methods_are_refused_by_name():
    with pytest.raises(TypeError, match="lacks arch_parameters"):
        dc.Architect(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="must be a Supernet or another nn.Module"):
        dc.Architect(object())

    class NoGenotype(LayerwiseSupernet):
        genotype = None  # type: ignore[assignment]

    with pytest.raises(TypeError, match="lacks genotype"):
        dc.search(NoGenotype(), [], [], 1)
    assert isinstance(LayerwiseSupernet(), dc.SearchableSupernet)
    assert isinstance(dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1), dc.SearchableSupernet)


def test_a_non_cell_supernet_resumes_exactly_with_its_own_genotype_parser(tmp_path):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 5, generator=g)
    y = (x[:, 0] > 0).long()

    def fresh() -> tuple[LayerwiseSupernet, dc.TensorLoader, dc.TensorLoader]:
        torch.manual_seed(0)
        loader = dc.TensorLoader(x, y, batch_size=8, seed=0)
        val = dc.TensorLoader(x.flip(0), y.flip(0), batch_size=8, seed=1)
        return LayerwiseSupernet(), loader, val

    full = dc.search(*fresh(), 3, arch_lr=0.05)
    path = tmp_path / "ckpt.pt"
    with pytest.raises(_Interrupted):
        dc.search(*fresh(), 3, arch_lr=0.05, checkpoint_path=path, callbacks=[_StopAfter(1)])
    resumed = dc.search(*fresh(), 3, arch_lr=0.05, checkpoint_path=path, resume=True)
    assert torch.equal(full.model.alpha, resumed.model.alpha)
    assert resumed.history[0]["genotype"] == full.history[0]["genotype"]  # parsed back from the checkpoint


class _StopAfter:
    """Interrupt a search in the first step after ``n`` epochs (their checkpoint is written by then)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def on_step(self, state: object) -> None:
        if state.epoch >= self.n:  # type: ignore[attr-defined]
            raise _Interrupted


class _Interrupted(Exception):
    pass
