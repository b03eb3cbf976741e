"""Bad-input cases of darts-pt: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .common import DTYPE, INF, NAN, R, hp, with_nan
from .darts_core import _darts_bits


def cases(c: Any) -> None:
    import darts_pt as pt
    from darts_core import CellSpace, TensorLoader

    dc, tiny, _net, _batch = _darts_bits()
    data = torch.randn(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(1))

    def val(x: torch.Tensor | None = None) -> Any:
        x = data if x is None else x
        return TensorLoader(x, labels[: len(x)], batch_size=8)

    api = "darts_pt.Projector"
    P = lambda **k: pt.Projector(tiny(), val(), **k)  # noqa: E731
    hp(c, api, P, "metric", ["f1", None], r"metric")
    hp(c, api, P, "interval_epochs", [-1, 2.5], r"interval_epochs")
    hp(c, api, P, "final_tune_epochs", [-1], r"final_tune_epochs")
    hp(c, api, P, "edge_order", ["sgas"], r"edge_order")
    hp(c, api, P, "lr_schedule", ["step"], r"lr_schedule")
    hp(c, api, P, "grad_clip", [-5.0, 0.0, NAN], r"grad_clip must be a number > 0")
    hp(c, api, P, "momentum", [1.0, -0.5], r"momentum")
    hp(c, api, P, "weight_decay", [-1e-3], r"weight_decay")
    hp(c, api, P, "arch_lr", [0.0], r"arch_lr")
    hp(c, api, P, "arch_wd", [-1.0], r"arch_wd")
    hp(c, api, P, "finetune_lr", [NAN, 0.0, -1.0], r"finetune_lr")
    hp(c, api, P, "finetune_lr_min", [-0.1], r"finetune_lr_min")
    c.error(
        api, "an empty val_loader", lambda: pt.Projector(tiny(), TensorLoader(data[:0], labels[:0])), r"empty"
    )
    c.error(
        api,
        "train_loader is val_loader (strict)",
        lambda: (lambda v: pt.Projector(tiny(), v, v, strict=True))(val()),
        r"train_loader is val_loader",
    )
    c.warn(api, "train_loader is val_loader", lambda: (lambda v: pt.Projector(tiny(), v, v))(val()), r"leaks")
    c.error(api, "an nn.Linear", lambda: pt.Projector(nn.Linear(2, 2), val()), r"darts_core\.Supernet")
    one_op = CellSpace("one", n_inputs=1, n_nodes=1, primitives=("nor_conv_3x3",), topk=None, exclude=())
    c.error(
        api,
        "a space with one op",
        lambda: pt.Projector(dc.Supernet(one_op, C=4, layers=1, in_channels=1), val()),
        r"at least 2",
    )
    c.error(api, "NaN in val data", lambda: pt.Projector(tiny(), val(with_nan(data))), r"non-finite")
    c.error(
        api, "inf in train data", lambda: pt.Projector(tiny(), val(), val(with_nan(data, INF))), r"non-finite"
    )
    c.error(api, "float64 val data", lambda: pt.Projector(tiny(), val(data.double())).step(), DTYPE)
    c.error(
        api, "unknown keyword", lambda: pt.Projector(tiny(), val(), epochs=3), r"unexpected keyword|epochs"
    )
    api = "darts_pt.perturbation_scores"
    c.error(api, "edge=7", lambda: pt.perturbation_scores(tiny(), val(), 7), r"edge")
    c.error(api, "edge=-1", lambda: pt.perturbation_scores(tiny(), val(), -1), r"edge")
    c.error(
        api,
        "cell_type='reduce'",
        lambda: pt.perturbation_scores(tiny(), val(), 0, cell_type="reduce"),
        r"cell_type",
    )
    c.error(api, "metric='f1'", lambda: pt.perturbation_scores(tiny(), val(), 0, metric="f1"), r"metric")
    c.error(
        api, "bn_mode='fast'", lambda: pt.perturbation_scores(tiny(), val(), 0, bn_mode="fast"), r"bn_mode"
    )
    c.error(
        api,
        "NaN batch",
        lambda: pt.perturbation_scores(tiny(), [(with_nan(data[:8]), labels[:8])], 0),
        r"non-finite",
    )
    c.error(api, "float64 data", lambda: pt.perturbation_scores(tiny(), val(data.double()), 0), DTYPE)
    c.error(api, "empty loader", lambda: pt.perturbation_scores(tiny(), [], 0), r"empty|no batch|loader")
    c.error(
        "darts_pt.evaluate_weights",
        "bn_mode='fast'",
        lambda: (lambda m: pt.evaluate_weights(m, val(), m.arch_weights(), bn_mode="fast"))(tiny()),
        r"bn_mode",
    )
    c.error(
        "darts_pt.evaluate_weights",
        "weights of the wrong shape",
        lambda: pt.evaluate_weights(tiny(), val(), {"normal": torch.full((2, 5), 0.2)}),
        r"shape|weights",
    )
    c.error(
        "darts_pt.evaluate_weights",
        "NaN batch",
        lambda: (lambda m: pt.evaluate_weights(m, [(with_nan(data[:8]), labels[:8])], m.arch_weights()))(
            tiny()
        ),
        r"non-finite",
    )
    api = "darts_pt.mask_op"
    w = torch.softmax(R(3, 5), -1)
    for e in (3, -1, 1.5, "0", None):
        c.error(api, f"edge={e!r}", lambda e=e: pt.mask_op(w, e), r"edge must be")
    for o in (5, -1, 1.5):
        c.error(api, f"op={o!r}", lambda o=o: pt.mask_op(w, 0, o), r"op must be")
    c.error(api, "1-d weights", lambda: pt.mask_op(w[0], 0, 1), r"weights must be a 2-D")
    c.error(api, "weights as a list", lambda: pt.mask_op([[0.5, 0.5]], 0), r"weights must be a tensor")
    c.accept(
        api,
        "last valid indices",
        lambda: pt.mask_op(w, 2, 4),
        lambda r: bool(r[2, 4] == 0) and bool(r[0, 0] == w[0, 0]),
        "masks exactly that op",
    )
    api = "darts_pt.select_op"
    c.error(api, "NaN score", lambda: pt.select_op(torch.tensor([0.1, NAN])), r"scores must be finite")
    c.error(api, "2-d scores", lambda: pt.select_op(torch.zeros(2, 2)), r"scores must be 1-D")
    c.error(api, "empty scores", lambda: pt.select_op(torch.zeros(0)), r"scores")
    c.error(
        api,
        "short tie_break",
        lambda: pt.select_op(torch.tensor([0.1, 0.1, 0.2]), tie_break=torch.tensor([1.0])),
        r"tie_break must have the shape",
    )
    c.error(
        api,
        "NaN tie_break",
        lambda: pt.select_op(torch.tensor([0.1, 0.1]), tie_break=torch.tensor([NAN, 1.0])),
        r"tie_break must be finite",
    )
    c.error(api, "metric='f1'", lambda: pt.select_op(torch.tensor([0.1, 0.2]), "f1"), r"metric")
    c.accept(
        api,
        "scores as a list with ties",
        lambda: pt.select_op([0.2, 0.1, 0.1], tie_break=[0.0, 1.0, 2.0]),
        lambda r: r == 2,
        "picks by tie_break",
    )
    api = "darts_pt.select_topology"
    c.error(
        api,
        "cell_type='reduce'",
        lambda: pt.select_topology(tiny(), val(), 1, cell_type="reduce"),
        r"cell_type must be one of",
    )
    c.error(api, "topk=0", lambda: pt.select_topology(tiny(), val(), 1, topk=0), r"topk must be")
    c.error(api, "node=2 (out of range)", lambda: pt.select_topology(tiny(), val(), 2), r"node must be")
    c.error(api, "node=-1", lambda: pt.select_topology(tiny(), val(), -1), r"node must be")
    c.error(
        api,
        "NaN batch",
        lambda: pt.select_topology(tiny(), [(with_nan(data[:8]), labels[:8])], 1, topk=1),
        r"non-finite",
    )
    c.error(
        "darts_pt.magnitude_genotype",
        "an nn.Linear",
        lambda: pt.magnitude_genotype(nn.Linear(2, 2)),
        r"model|Supernet|arch",
    )
