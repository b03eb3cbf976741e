"""Bad-input cases of darts-core: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, failed_write, hp, tensor_inputs, with_nan


def _darts_bits() -> tuple[Any, Any, Any, Any]:
    import darts_core as dc

    def tiny(C: int = 4) -> Any:
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)

    def net(**kw: Any) -> Any:
        g = dc.Genotype.from_str("|nor_conv_3x3~0|+|none~0|skip_connect~1|")
        return dc.DiscreteNetwork(g, dc.nb_digits_space(), C=4, layers=1, in_channels=1, **kw)

    g = torch.Generator().manual_seed(0)
    batch = (torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))
    return dc, tiny, net, batch


def cases(c: Any) -> None:
    dc, tiny, net, batch = _darts_bits()
    x, y = batch
    B = [batch]
    api = "darts_core.Supernet"
    c.error(api, "layers=2", lambda: dc.Supernet(dc.DARTS_SPACE, layers=2), r"layers")
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "C",
        [0, -4, 2.5],
        r"C",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "num_classes",
        [0, 1.5],
        r"num_classes",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1} | k)),
        "in_channels",
        [0, "1"],
        r"in_channels",
    )
    hp(
        c,
        api,
        lambda **k: dc.Supernet(dc.nb_digits_space(), **({"layers": 1, "in_channels": 1} | k)),
        "alpha_init_std",
        [-1.0, NAN],
        r"alpha_init_std",
    )
    c.error(api, "space given as a string", lambda: dc.Supernet("darts"), r"CellSpace")
    c.error(
        api, "x with 3 channels for in_channels=1", lambda: tiny()(torch.randn(2, 3, 8, 8)), r"in_channels"
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: tiny()(t),
        x,
        shape_match=r"x|in_channels|shape|4-d|\(B",
        nan=False,
        last_dim=False,
    )
    c.accept(
        api + ".forward",
        "an 8x9 image",
        lambda: tiny()(torch.randn(2, 1, 8, 9)),
        lambda r: r.shape == (2, 10),
        "any image size, as conv nets",
    )
    c.error(
        api,
        "weights of the wrong shape (check=True)",
        lambda: tiny()(x, {"normal": torch.full((2, 5), 0.2)}, check=True),
        r"shape",
    )
    c.error(
        api,
        "negative weights (check=True)",
        lambda: tiny()(x, {"normal": torch.tensor([[1.2, -0.2, 0, 0, 0]] * 3)}, check=True),
        r"negative",
    )
    c.error(
        api,
        "weights not summing to 1 (check=True)",
        lambda: tiny()(x, {"normal": torch.full((3, 5), 0.5)}, check=True),
        r"sum to 1",
    )
    c.error(
        api,
        "unknown cell type in weights",
        lambda: tiny()(x, {"reduce": torch.full((3, 5), 0.2)}, check=True),
        r"reduce|normal|cell",
    )
    api = "darts_core.search"
    c.error(api, "epochs=0", lambda: dc.search(tiny(), B, B, 0), r"epochs")
    c.error(api, "empty val_loader", lambda: dc.search(tiny(), B, [], 1), r"val_loader is empty")
    c.error(api, "empty train_loader", lambda: dc.search(tiny(), [], B, 1), r"train_loader")
    c.error(api, "progress=True", lambda: dc.search(tiny(), B, B, 1, progress=True), r"progress")
    for v in (-1.0, 0.0, NAN, "5"):
        c.error(
            api,
            f"grad_clip={v!r}",
            lambda v=v: dc.search(tiny(), B, B, 1, grad_clip=v),
            r"grad_clip must be a number > 0",
        )
    for k, v in [
        ("momentum", 1.0),
        ("momentum", -0.1),
        ("wd", -1e-4),
        ("arch_lr", 0.0),
        ("arch_wd", -1.0),
        ("warmup_epochs", -1),
        ("w_lr", NAN),
        ("w_lr", 0.0),
        ("w_lr_min", -1.0),
        ("order", 3),
    ]:
        c.error(api, f"{k}={v!r}", lambda k=k, v=v: dc.search(tiny(), B, B, 1, **{k: v}), re.escape(k))
    xb = with_nan(x)
    c.error(api, "NaN in the training images", lambda: dc.search(tiny(), [(xb, y)], B, 1), r"non-finite")
    c.error(
        api,
        "inf in the validation images",
        lambda: dc.search(tiny(), B, [(with_nan(x, INF), y)], 1),
        r"non-finite",
    )
    c.error(api, "an empty batch", lambda: dc.search(tiny(), [(x[:0], y[:0])], B, 1), r"empty")
    c.error(
        api,
        "labels out of range (10 classes)",
        lambda: dc.search(tiny(), [(x, y + 10)], B, 1),
        r"label|class|target|y",
    )
    c.error(api, "float64 images", lambda: dc.search(tiny(), [(x.double(), y)], B, 1), DTYPE)
    c.error(
        api,
        "x and y of different lengths",
        lambda: dc.search(tiny(), [(x, y[:3])], B, 1),
        r"length|size|batch|y",
    )
    c.error(
        api,
        "unknown keyword",
        lambda: dc.search(tiny(), B, B, 1, shuffle=True),
        r"unexpected keyword|shuffle",
    )
    api = "darts_core.Architect"
    c.error(api, "hvp='neumann'", lambda: dc.Architect(tiny(), hvp="neumann"), r"hvp")
    c.error(api, "order=3", lambda: dc.Architect(tiny(), order=3), r"order")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_lr", [0.0, -1.0, NAN], r"arch_lr")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_wd", [-1.0], r"arch_wd")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "hvp_radius", [0.0, -0.01], r"hvp_radius")
    hp(c, api, lambda **k: dc.Architect(tiny(), **k), "arch_betas", [(1.5, 0.9), (0.5,)], r"arch_betas|betas")
    c.error(api, "a plain nn.Linear", lambda: dc.Architect(nn.Linear(2, 2)), r"model|Searchable|arch")
    api = "darts_core.train_discrete"
    c.error(api, "a Supernet", lambda: dc.train_discrete(tiny(), B, epochs=1), r"DiscreteNetwork")
    for v in (-1.0, 0.0, NAN):
        c.error(
            api,
            f"grad_clip={v!r}",
            lambda v=v: dc.train_discrete(net(), B, epochs=1, grad_clip=v),
            r"grad_clip must be",
        )
    for k, v in [
        ("drop_path_prob", 1.0),
        ("drop_path_prob", -0.1),
        ("lr", 0.0),
        ("lr_min", -1.0),
        ("momentum", 1.5),
        ("wd", -1.0),
        ("auxiliary_weight", -0.4),
        ("cutout_length", -2),
        ("epochs", 0),
    ]:
        c.error(
            api,
            f"{k}={v!r}",
            lambda k=k, v=v: dc.train_discrete(net(), B, **({"epochs": 1} | {k: v})),
            re.escape(k),
        )
    c.error(
        api,
        "NaN in the training images",
        lambda: dc.train_discrete(net(), [(xb, y)], epochs=1),
        r"non-finite",
    )
    c.error(api, "empty batch", lambda: dc.train_discrete(net(), [(x[:0], y[:0])], epochs=1), r"empty")
    api = "darts_core.DiscreteNetwork"
    c.error(api, "drop_path_prob=1.0", lambda: net(drop_path_prob=1.0), r"drop_path_prob")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: net()(t),
        x,
        shape_match=r"x|in_channels|shape|4-d|\(B",
        nan=False,
        last_dim=False,
    )
    c.error(
        "darts_core.drop_path", "drop_prob=1.0", lambda: dc.drop_path(torch.ones(2, 3), 1.0), r"drop_prob"
    )
    c.error(
        "darts_core.drop_path", "drop_prob=-0.5", lambda: dc.drop_path(torch.ones(2, 3), -0.5), r"drop_prob"
    )
    c.error(
        "darts_core.make_op", "unknown op", lambda: dc.make_op("conv_9x9", 4), r"conv_9x9|registered|unknown"
    )
    c.error("darts_core.make_op", "stride=3", lambda: dc.make_op("none", 4, 3), r"stride")
    c.error("darts_core.make_op", "C=0", lambda: dc.make_op("nor_conv_3x3", 0), r"C")
    c.error(
        "darts_core.nb_digits_space",
        "unknown primitive",
        lambda: dc.nb_digits_space(primitives=("none", "conv_9x9")),
        r"registered ops",
    )
    c.error("darts_core.nb_digits_space", "n_nodes=0", lambda: dc.nb_digits_space(n_nodes=0), r"n_nodes")
    c.error(
        "darts_core.CellSpace",
        "n_inputs=0",
        lambda: dc.CellSpace("s", n_inputs=0, n_nodes=2, primitives=("none", "skip_connect")),
        r"n_inputs",
    )
    c.error(
        "darts_core.CellSpace",
        "empty primitives",
        lambda: dc.CellSpace("s", n_inputs=1, n_nodes=2, primitives=()),
        r"primitives",
    )
    c.error(
        "darts_core.CellSpace",
        "output='sum?'",
        lambda: dc.CellSpace(
            "s", n_inputs=1, n_nodes=2, primitives=("none", "skip_connect"), topk=None, output="max"
        ),
        r"output",
    )
    c.error(
        "darts_core.Genotype.from_str",
        "garbage",
        lambda: dc.Genotype.from_str("nor_conv_3x3"),
        r"genotype|format|parse|Genotype",
    )
    c.error(
        "darts_core.TensorLoader",
        "batch_size=0",
        lambda: dc.TensorLoader(torch.zeros(4, 1), torch.zeros(4), batch_size=0),
        r"batch_size",
    )
    c.error(
        "darts_core.TensorLoader",
        "x and y of different lengths",
        lambda: dc.TensorLoader(torch.zeros(4, 1), torch.zeros(3)),
        r"same length",
    )
    c.error("darts_core.TensorLoader", "x=None", lambda: dc.TensorLoader(None, torch.zeros(3)), r"x")
    c.error("darts_core.cutout", "length=-1", lambda: dc.cutout(x, -1), r"length")
    c.error(
        "darts_core.derive_genotype",
        "topk=0",
        lambda: dc.derive_genotype(tiny().arch_weights(), dc.nb_digits_space(), topk=0),
        r"topk",
    )
    c.error(
        "darts_core.derive_genotype",
        "weights missing a cell",
        lambda: dc.derive_genotype({}, dc.nb_digits_space()),
        r"normal|weights",
    )
    c.warn(
        "darts_core.derive_genotype",
        "NaN weights",
        lambda: dc.derive_genotype({"normal": torch.full((3, 5), NAN)}, dc.nb_digits_space()),
        FINITE,
        match=FINITE,
    )
    nb = None

    def nbd() -> Any:
        nonlocal nb
        nb = nb or dc.NBDigits()
        return nb

    c.error(
        "darts_core.NBDigits.query",
        "genotype not in the space",
        lambda: nbd().query("|sep_conv_3x3~0|+|none~0|none~1|"),
        r"not in the space",
    )
    c.error("darts_core.NBDigits.key", "an int", lambda: nbd().key(3), r"genotype must be")
    c.error("darts_core.NBDigits.key", "two ops", lambda: nbd().key(("none", "none")), r"need 3 ops")
    c.error(
        "darts_core.NBDigits.best",
        "metric='train_acc'",
        lambda: nbd().best("train_acc"),
        r"metric must be one of",
    )
    c.error(
        "darts_core.NBDigits",
        "missing table path",
        lambda: dc.NBDigits("/nonexistent/table.json"),
        r"/nonexistent/table.json",
    )
    # checkpoints
    api = "darts_core.load_checkpoint"

    def ckpt(damage: Callable[[Any], None]) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            dc.search(tiny(), B, B, 1, checkpoint_path=ck)
            damage(ck)
            return dc.search(tiny(), B, B, 2, checkpoint_path=ck, resume=True)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(
        api,
        "truncated checkpoint (resume=True)",
        lambda: ckpt(truncate),
        r"search\.ckpt.*(truncated|corrupt)",
    )
    c.error(
        api,
        "text file as a checkpoint",
        lambda: ckpt(lambda ck: open(ck, "w").write("nope")),
        r"search\.ckpt",
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda ck: torch.save({"state": 1}, ck)),
        r"not a darts-core search checkpoint",
    )

    def other_model() -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            dc.search(tiny(), B, B, 1, checkpoint_path=ck)
            return dc.load_checkpoint(ck, tiny(C=6))

    c.error(api, "checkpoint of another model", other_model, r"does not fit this model")
    c.error(
        api,
        "missing file",
        lambda: dc.load_checkpoint("/nonexistent/x.ckpt", tiny()),
        r"/nonexistent/x\.ckpt",
    )
    failed_write(
        c,
        "darts_core.search(checkpoint_path=...)",
        """
        import torch, darts_core as dc
        def model(C):
            torch.manual_seed(0)
            return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)
        B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
        def write_old(p):
            dc.search(model(4), B, B, 1, checkpoint_path=p)
        def write_new(p):
            dc.search(model(16), B, B, 1, checkpoint_path=p)
        def valid(p):
            dc.load_checkpoint(p, model(4))
        """,
        name="search.ckpt",
    )
