"""Bad-input cases of sharpdarts: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .common import INF, NAN, R, has_nan, hp, tensor_inputs, with_nan

SHAPE = r"x must|in_channels|c_in|\(N"


def cases(c: Any) -> None:
    import darts_core as dc
    import sharpdarts
    from sharpdarts.hypercuboid import (
        HyperCuboidNet,
        HyperCuboidPath,
        PathNetwork,
        all_paths,
        handmade_path,
        widest_path,
    )

    # ------------------------------------------------------------------ ops
    api = "sharpdarts.SharpSepConv"
    ms = lambda **k: sharpdarts.SharpSepConv(**({"c_in": 4, "c_out": 4} | k))  # noqa: E731
    hp(c, api, ms, "c_in", [0, 1.5, True, "4"])
    hp(c, api, ms, "c_out", [0, -1])
    hp(c, api, ms, "kernel_size", [4, 0])
    hp(c, api, ms, "stride", [0, 1.5])
    hp(c, api, ms, "dilation", [0])
    hp(c, api, ms, "padding", [-1, 0, 1.5])
    hp(c, api, ms, "c_mid", [0, 2.5])
    hp(c, api, ms, "c_mid_mult", [0.0, -1.0, NAN, INF, 0.1, "4"])
    conv = sharpdarts.SharpSepConv(4, 6, 3)
    tensor_inputs(c, api + ".forward", lambda t: conv(t), R(2, 4, 8, 8), shape_match=SHAPE, last_dim=False)
    c.error(
        api + ".forward", "x with 3 channels for c_in=4", lambda: conv(R(2, 3, 8, 8)), r"c_in|in_channels"
    )
    api = "sharpdarts.ResizablePool"
    mp = lambda **k: sharpdarts.ResizablePool(**({"c_in": 4, "c_out": 8} | k))  # noqa: E731
    hp(c, api, mp, "c_in", [0, 1.5])
    hp(c, api, mp, "kernel_size", [2, 0])
    hp(c, api, mp, "stride", [0])
    hp(c, api, mp, "pool_type", ["min", None])
    pool = sharpdarts.ResizablePool(4, 4, 3, 2)
    tensor_inputs(c, api + ".forward", lambda t: pool(t), R(2, 4, 8, 8), shape_match=SHAPE, last_dim=False)
    c.error(
        api + ".forward",
        "x with 3 channels for c_in=4 (no projection)",
        lambda: pool(R(2, 3, 8, 8)),
        r"c_in|in_channels",
    )
    c.error(
        "sharpdarts.sharp_sep_conv_params",
        "kernel_size=0",
        lambda: sharpdarts.sharp_sep_conv_params(4, 4, 0, 4),
        r"kernel_size",
    )
    c.error(
        "sharpdarts.sharp_sep_conv_params",
        "c_mid=-1",
        lambda: sharpdarts.sharp_sep_conv_params(4, 4, 3, -1),
        r"c_mid",
    )

    # ------------------------------------------------------------------ spaces
    c.error(
        "sharpdarts.sharp_nb_digits_space",
        "an unknown op",
        lambda: sharpdarts.sharp_nb_digits_space(primitives=("none", "conv_9x9")),
        r"conv_9x9|registered",
    )
    c.error(
        "sharpdarts.sharp_nb_digits_space",
        "n_nodes=0",
        lambda: sharpdarts.sharp_nb_digits_space(n_nodes=0),
        r"n_nodes",
    )
    c.accept(
        "sharpdarts.sharp_nb_digits_space",
        "a supernet over it, forward",
        lambda: dc.Supernet(sharpdarts.sharp_nb_digits_space(), C=4, layers=1, in_channels=1)(R(2, 1, 8, 8)),
        lambda r: r.shape == (2, 10),
        "works as a darts-core space",
    )

    # ------------------------------------------------------------------ schedule
    api = "sharpdarts.cosine_power_annealing"
    cp = lambda **k: sharpdarts.cosine_power_annealing(**({"epochs": 10} | k))  # noqa: E731
    hp(c, api, cp, "epochs", [0, -3, 1.5, True, "10", None])
    hp(c, api, cp, "max_lr", [0.0, -0.1, NAN, INF, "0.1"])
    hp(c, api, cp, "min_lr", [-1e-3, NAN, 0.5])
    hp(c, api, cp, "exponent_order", [0.5, NAN, INF, "2"])
    hp(c, api, cp, "warmup_epochs", [-1, 10, 1.5])
    c.accept(
        api,
        "epochs=1",
        lambda: sharpdarts.cosine_power_annealing(1, 0.1, 0.001),
        lambda r: np.allclose(r, [0.1]),
        "one epoch at max_lr",
    )
    c.accept(
        api,
        "min_lr == max_lr",
        lambda: sharpdarts.cosine_power_annealing(5, 0.1, 0.1),
        lambda r: np.allclose(r, 0.1),
        "a constant schedule",
    )
    api = "sharpdarts.CosinePowerAnnealingLR"

    def opt(lr: float = 0.1) -> Any:
        return torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)

    ml = lambda **k: sharpdarts.CosinePowerAnnealingLR(**({"optimizer": opt(), "total_epochs": 10} | k))  # noqa: E731
    hp(c, api, ml, "optimizer", ["sgd", None])
    hp(c, api, ml, "total_epochs", [0, 2.5])
    hp(c, api, ml, "min_lr", [0.5, -1.0, NAN])
    hp(c, api, ml, "exponent_order", [0.9])
    hp(c, api, ml, "warmup_epochs", [10, -1])
    hp(c, api, ml, "last_epoch", [5, -2, 1.5], r"last_epoch|initial_lr")

    def past_end() -> Any:
        o = opt()
        s = sharpdarts.CosinePowerAnnealingLR(o, 3, min_lr=0.001)
        for _ in range(6):
            o.step()
            s.step()
        return o.param_groups[0]["lr"]

    c.accept(
        api, "stepped past the last epoch", past_end, lambda lr: abs(lr - 0.001) < 1e-12, "stays at min_lr"
    )

    # ------------------------------------------------------------------ weighting
    api = "sharpdarts.max_w_weights"
    w = torch.softmax(R(3, 5), -1)
    c.error(api, "weights=None", lambda: sharpdarts.max_w_weights(None), r"weights")
    c.error(api, "weights a list", lambda: sharpdarts.max_w_weights([0.2, 0.8]), r"weights.*tensor")
    c.error(
        api, "int64 weights", lambda: sharpdarts.max_w_weights(torch.ones(3, dtype=torch.long)), r"floating"
    )
    c.error(api, "empty weights", lambda: sharpdarts.max_w_weights(torch.zeros(0)), r"empty")
    c.error(api, "dim=5 on a 2-d tensor", lambda: sharpdarts.max_w_weights(w, dim=5), r"dim")
    c.error(api, "detach_max='yes'", lambda: sharpdarts.max_w_weights(w, detach_max="yes"), r"detach_max")
    c.accept(api, "NaN in weights", lambda: sharpdarts.max_w_weights(with_nan(w)), has_nan, "propagates")
    c.accept(
        api,
        "float64 weights",
        lambda: sharpdarts.max_w_weights(w.double()),
        lambda r: r.dtype == torch.float64,
        "follows the input dtype",
    )
    c.error("sharpdarts.get_weighting", "'maxw'", lambda: sharpdarts.get_weighting("maxw"), r"weighting")
    c.error("sharpdarts.get_weighting", "None", lambda: sharpdarts.get_weighting(None), r"weighting")
    c.error(
        "sharpdarts.MaxWWeighting",
        "detach_max=1",
        lambda: sharpdarts.MaxWWeighting(detach_max=1),
        r"detach_max",
    )
    api = "sharpdarts.set_weighting"

    def sn() -> Any:
        return dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)

    c.error(api, "an nn.Linear", lambda: sharpdarts.set_weighting(nn.Linear(2, 2), "max_w"), r"MixedOp")
    c.error(api, "weighting=3", lambda: sharpdarts.set_weighting(sn(), 3), r"weighting")
    c.error(api, "weighting='softmax'", lambda: sharpdarts.set_weighting(sn(), "softmax"), r"weighting")
    c.error(api, "a string as model", lambda: sharpdarts.set_weighting("supernet", "max_w"), r"model")

    # ------------------------------------------------------------------ HyperCuboid
    api = "sharpdarts.hypercuboid.HyperCuboidNet"
    small = {"channels": (2, 4), "in_channels": 1, "head_channels": 4}
    mh = lambda **k: HyperCuboidNet(**(small | k))  # noqa: E731
    hp(c, api, mh, "channels", [(8, 8, 16), (16, 8), (), (0, 8), (2.5, 4), "ab", 4], r"channels")
    hp(c, api, mh, "layers", [3, 0, 1.5, True], r"layers")
    hp(c, api, mh, "primitives", [("pool", "conv"), (), ("pool", "pool"), "pool"], r"primitives")
    hp(c, api, mh, "weighting", ["softmax", None])
    hp(c, api, mh, "num_classes", [0, 1.5])
    hp(c, api, mh, "in_channels", [0])
    hp(c, api, mh, "head_channels", [0])
    hp(c, api, mh, "always_apply_ops", ["yes"])
    hp(c, api, mh, "alpha_init_std", [-1.0, NAN, INF, "0.001"])
    net = mh()
    tensor_inputs(c, api + ".forward", lambda t: net(t), R(2, 1, 8, 8), shape_match=SHAPE, last_dim=False)
    c.error(api + ".forward", "x with 3 channels", lambda: net(R(2, 3, 8, 8)), r"in_channels")
    c.error(api + ".genotype", "rule='darts'", lambda: net.genotype("darts"), r"rule")
    c.error(
        api + ".path_weight",
        "a path outside the cuboid",
        lambda: net.path_weight(HyperCuboidPath((2, 8, 4), ("pool", "pool"))),
        r"outside",
    )
    c.error(
        api + ".path_weight",
        "a path with 4 stages",
        lambda: net.path_weight(handmade_path((2, 4), 4)),
        r"stages",
    )
    c.error(api + ".path_weight", "a string", lambda: net.path_weight("2-pool/1->4"), r"path")
    c.error(api + ".path_network", "a string path", lambda: net.path_network("2-pool/1->4"), r"path")
    c.error(
        "darts_core.search on a HyperCuboidNet",
        "NaN in the training images",
        lambda: dc.search(
            mh(),
            [(with_nan(R(2, 1, 8, 8)), torch.tensor([0, 1]))],
            [(R(2, 1, 8, 8), torch.tensor([0, 1]))],
            1,
        ),
        r"non-finite",
    )
    api = "sharpdarts.hypercuboid.HyperCuboidPath"
    c.error(api, "lengths differ", lambda: HyperCuboidPath((2, 4), ("pool", "pool")), r"len")
    c.error(api, "3 stages", lambda: HyperCuboidPath((2, 4, 4, 4), ("pool",) * 3), r"layers|even")
    c.error(api, "channel 0", lambda: HyperCuboidPath((0, 4, 4), ("pool", "pool")), r"channels")
    c.error(api, "channels 2.5", lambda: HyperCuboidPath((2.5, 4, 4), ("pool", "pool")), r"channels")
    c.error(api, "channels 'ab'", lambda: HyperCuboidPath(("a", "b", "c"), ("pool", "pool")), r"channels")
    c.error(api, "op 'conv'", lambda: HyperCuboidPath((2, 4, 4), ("conv", "pool")), r"primitives|op")
    c.error(api, "ops a string", lambda: HyperCuboidPath((2, 4, 4), "pp"), r"ops|primitives")
    c.error("sharpdarts.hypercuboid.handmade_path", "layers=3", lambda: handmade_path((2, 4), 3), r"layers")
    c.error("sharpdarts.hypercuboid.widest_path", "channels=()", lambda: widest_path((), 2), r"channels")
    c.error(
        "sharpdarts.hypercuboid.all_paths",
        "primitives=('conv',)",
        lambda: list(all_paths((2, 4), 2, ("conv",))),
        r"primitives",
    )
    api = "sharpdarts.hypercuboid.PathNetwork"
    c.error(api, "a string path", lambda: PathNetwork("2-pool/1->4"), r"path")
    hp(c, api, lambda **k: PathNetwork(handmade_path((2, 4), 2), **k), "num_classes", [0])
    pnet = PathNetwork(handmade_path((2, 4), 2), in_channels=1, head_channels=4)
    tensor_inputs(c, api + ".forward", lambda t: pnet(t), R(2, 1, 8, 8), shape_match=SHAPE, last_dim=False)

    from sharpdarts.reproduce import cells, cpa, hypercuboid, maxw_cells

    c.error(
        "sharpdarts.reproduce.cpa.Config",
        "exponent_orders=(0.5,)",
        lambda: cpa.Config(exponent_orders=(0.5,)),
        r"exponent_orders",
    )
    c.error(
        "sharpdarts.reproduce.cells.Config",
        "an unknown op",
        lambda: cells.Config(ops=("nor_conv_3x3",)),
        r"ops",
    )
    c.error(
        "sharpdarts.reproduce.maxw_cells.Config",
        "arms=('RARTS',)",
        lambda: maxw_cells.Config(arms=("RARTS",)),
        r"arms",
    )
    c.error(
        "sharpdarts.reproduce.hypercuboid.Config", "layers=3", lambda: hypercuboid.Config(layers=3), r"layers"
    )
