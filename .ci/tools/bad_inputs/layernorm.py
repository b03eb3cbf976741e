"""Bad-input cases of layernorm: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .common import NAN, R, first, hp, tensor_inputs


def cases(c: Any) -> None:
    import layernorm as ln

    x = R(5, 2, 3)
    for cls in (ln.LayerNormLSTM, ln.LayerNormGRU, ln.LayerNormRNN):
        api = f"layernorm.{cls.__name__}"
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "input_size",
            [0, -1, 2.5, "3"],
            r"input_size",
        )
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "hidden_size",
            [1, 0, 8.0],
            r"hidden_size",
        )
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "num_layers", [0, 1.5], r"num_layers")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "dropout", [1.0, -0.1, NAN], r"dropout")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "eps", [0.0, -1e-5], r"eps")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "impl", ["cuda-graphs"], r"impl")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "batch_first", ["yes"], r"batch_first")
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "bidirectional", ["no"], r"bidirectional")
        c.error(api, "unknown option foo=1", lambda cls=cls: cls(3, 8, foo=1), r"unknown option")
        tensor_inputs(
            c,
            api + ".forward",
            lambda t, cls=cls: cls(3, 8)(t),
            x,
            shape_match=r"input_size|2-d|3-d|dim|shape",
            drop_rank=False,
            empty=False,
        )
        c.error(api + ".forward", "no time steps", lambda cls=cls: cls(3, 8)(R(0, 2, 3)), r"no time steps")
        c.accept(
            api + ".forward",
            "empty batch",
            lambda cls=cls: cls(3, 8)(R(5, 0, 3)),
            lambda r: first(r).shape == (5, 0, 8),
            "an empty answer",
        )
        c.error(
            api + ".forward",
            "h_0 float64",
            lambda cls=cls: (
                cls(3, 8)(x, torch.zeros(1, 2, 8, dtype=torch.float64))
                if cls is not ln.LayerNormLSTM
                else cls(3, 8)(x, (torch.zeros(1, 2, 8, dtype=torch.float64),) * 2)
            ),
            r"h_0|dtype",
        )
        c.error(
            api + ".forward",
            "h_0 of the wrong batch",
            lambda cls=cls: (
                cls(3, 8)(x, torch.zeros(1, 3, 8))
                if cls is not ln.LayerNormLSTM
                else cls(3, 8)(x, (torch.zeros(1, 3, 8), torch.zeros(1, 2, 8)))
            ),
            r"h_0 must have shape",
        )
    c.error(
        "layernorm.LayerNormLSTM", "proj_size=2", lambda: ln.LayerNormLSTM(3, 8, proj_size=2), r"proj_size"
    )
    c.error(
        "layernorm.LayerNormGRU",
        "an LSTM-only option",
        lambda: ln.LayerNormGRU(3, 8, norm_cell=False),
        r"unknown option",
    )
    c.warn("layernorm.LayerNormGRU", "hidden_size=4 (small)", lambda: ln.LayerNormGRU(3, 4), r"small")
    c.warn(
        "layernorm.LayerNormLSTM",
        "dropout=0.5 with one layer",
        lambda: ln.LayerNormLSTM(3, 8, dropout=0.5),
        r"dropout",
    )
    c.error(
        "layernorm.LayerNormLSTM.forward",
        "lengths longer than the input",
        lambda: ln.LayerNormLSTM(3, 8)(x, lengths=torch.tensor([6, 2])),
        r"lengths",
    )
    c.error(
        "layernorm.LayerNormLSTM.forward",
        "lengths of zero",
        lambda: ln.LayerNormLSTM(3, 8)(x, lengths=torch.tensor([0, 2])),
        r"lengths",
    )
    for cls in (ln.LayerNormLSTMCell, ln.LayerNormGRUCell, ln.LayerNormRNNCell):
        api = f"layernorm.{cls.__name__}"
        hp(
            c,
            api,
            lambda cls=cls, **k: cls(**({"input_size": 3, "hidden_size": 8} | k)),
            "input_size",
            [0],
            r"input_size",
        )
        hp(c, api, lambda cls=cls, **k: cls(3, 8, **k), "init", ["xavier"], r"init")
        c.error(api, "unknown keyword", lambda cls=cls: cls(3, 8, foo=1), r"unexpected keyword|foo")
        tensor_inputs(
            c,
            api + ".forward",
            lambda t, cls=cls: cls(3, 8)(t),
            R(2, 3),
            shape_match=r"input_size|dim|shape",
            leading=True,
        )
    c.error(
        "layernorm.LayerNormLSTMCell",
        "grouping='half'",
        lambda: ln.LayerNormLSTMCell(3, 8, grouping="half"),
        r"grouping",
    )
    c.error(
        "layernorm.LayerNormRNNCell",
        "nonlinearity='gelu'",
        lambda: ln.LayerNormRNNCell(3, 8, nonlinearity="gelu"),
        r"nonlinearity",
    )
    c.error(
        "layernorm.LayerNormRNNCell",
        "norm='joint'",
        lambda: ln.LayerNormRNNCell(3, 8, norm="joint"),
        r"norm must be one of",
    )
    c.error(
        "layernorm.LayerNormRNNCell.forward",
        "hx float64",
        lambda: ln.LayerNormRNNCell(3, 8)(R(2, 3), torch.zeros(2, 8, dtype=torch.float64)),
        r"hx dtype",
    )
    api = "layernorm.LayerNorm"
    hp(
        c,
        api,
        lambda **k: ln.LayerNorm(**({"normalized_size": 8} | k)),
        "normalized_size",
        [0, -1, 2.5],
        r"normalized_size",
    )
    hp(c, api, lambda **k: ln.LayerNorm(8, **k), "eps", [-1.0, NAN], r"eps")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: ln.LayerNorm(8)(t),
        R(2, 8),
        shape_match=r"last dimension must be 8",
        leading=True,
    )
    c.error(
        api + ".forward",
        "a 0-d tensor",
        lambda: ln.LayerNorm(8)(torch.tensor(1.0)),
        r"last dimension must be 8",
    )
    c.accept(
        api + ".forward",
        "elementwise_affine=False, float64",
        lambda: ln.LayerNorm(8, elementwise_affine=False)(R(2, 8, dtype=torch.float64)),
        lambda r: r.dtype == torch.float64,
        "follows the input dtype",
    )
    c.error(
        "layernorm.from_torch",
        "an nn.Linear",
        lambda: ln.from_torch(nn.Linear(3, 8)),
        r"nn.LSTM, nn.GRU or nn.RNN",
    )
    c.error(
        "layernorm.from_torch",
        "unknown option",
        lambda: ln.from_torch(nn.LSTM(3, 8), foo=1),
        r"unknown option",
    )
    c.error(
        "layernorm.from_torch",
        "an LSTM with proj_size",
        lambda: ln.from_torch(nn.LSTM(3, 8, proj_size=2)),
        r"proj_size",
    )
    c.error(
        "layernorm.layer_norm_reference",
        "gain of the wrong size",
        lambda: ln.layer_norm_reference(R(2, 8), torch.ones(7), None),
        r"gain|shape|size",
    )
