"""Bad-input cases of noprop: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch

from .common import DTYPE, INF, NAN, R, has_nan, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import noprop

    def small_dt(T: int = 2, **kw: Any) -> Any:
        torch.manual_seed(0)
        return noprop.NoPropDT(
            num_classes=4,
            T=T,
            block_factory=lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8, dropout=0.0),
            **kw,
        )

    g = torch.Generator().manual_seed(0)
    y = torch.arange(16) % 4
    x = torch.randn(16, 6, generator=g) * 0.3 + torch.nn.functional.one_hot(y, 6).float() * 2
    yb = torch.arange(12) % 3
    xb = torch.randn(12, 5, generator=g) * 0.3 + torch.nn.functional.one_hot(yb, 5).float() * 2
    api = "noprop.NoPropDT"
    hp(c, api, lambda **k: small_dt(**k), "T", [0, -1, 2.5], r"T must be")
    hp(c, api, lambda **k: small_dt(**k), "eta", [0.0, -1.0, NAN], r"eta must be")
    hp(c, api, lambda **k: small_dt(**k), "abar_max", [1.0, 0.0, 1.5], r"abar_max")
    c.error(
        api,
        "num_classes=1",
        lambda: noprop.NoPropDT(
            num_classes=1, T=2, block_factory=lambda: noprop.DenoiseBlockMLP(6, 1, 1, hidden=8)
        ),
        r"num_classes",
    )
    c.error(
        api,
        "neither blocks nor block_factory",
        lambda: noprop.NoPropDT(num_classes=4, T=2),
        r"blocks|block_factory",
    )
    c.error(
        api,
        "blocks of the wrong count",
        lambda: noprop.NoPropDT(num_classes=4, T=3, blocks=[noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)]),
        r"blocks|T",
    )
    m = small_dt(T=3)
    c.error(
        api + ".block_loss",
        "labels out of range",
        lambda: m.block_loss(x[:8], torch.tensor([0, 1, 2, 7, 0, 1, 2, 3]), 1),
        r"\[0, 4\)",
    )
    c.error(
        api + ".block_loss",
        "float labels",
        lambda: m.block_loss(x[:8], y[:8].float(), 1),
        r"integer class ids",
    )
    c.error(api + ".block_loss", "t=0", lambda: m.block_loss(x[:8], y[:8], 0), r"t must be an int in 1..3")
    c.error(
        api + ".block_loss",
        "x of the wrong width",
        lambda: m.block_loss(R(8, 5), y[:8], 1),
        r"x must have shape \(batch, 6\)",
    )
    c.error(api + ".block_loss", "one sample", lambda: m.block_loss(x[:1], y[:1], 1), r"at least 2 samples")
    c.warn(api + ".predict", "before any training", lambda: small_dt().predict(x), r"not been trained")
    F_ = lambda **k: small_dt().fit(x, y, **({"batch_size": 8} | k))  # noqa: E731
    hp(c, api + ".fit", F_, "grad_clip", [-1.0, 0.0, NAN, "1.0"], r"grad_clip must be None or a number > 0")
    hp(c, api + ".fit", F_, "epochs", [-1, 1.5], r"epochs")
    hp(c, api + ".fit", F_, "batch_size", [0, 1, -4], r"batch_size")
    hp(c, api + ".fit", F_, "order", ["shuffled", [1, 1]], r"order")
    hp(c, api + ".fit", F_, "seed", ["0"], r"seed")
    c.error(
        api + ".fit",
        "NaN in x",
        lambda: small_dt().fit(with_nan(x), y, batch_size=8),
        r"x holds non-finite values.*check_finite=False",
    )
    c.error(
        api + ".fit", "inf in x", lambda: small_dt().fit(with_nan(x, INF), y, batch_size=8), r"non-finite"
    )
    c.error(api + ".fit", "empty x", lambda: small_dt().fit(x[:0], y[:0]), r"at least 2 samples")
    c.error(api + ".fit", "y 2-d", lambda: small_dt().fit(x, y[:, None]), r"y must be 1-d")
    c.error(api + ".fit", "y of another length", lambda: small_dt().fit(x, y[:10]), r"y|length|samples")
    c.error(api + ".fit", "labels out of range", lambda: small_dt().fit(x, y + 4), r"\[0, 4\)")
    c.error(
        api + ".fit", "unknown keyword", lambda: small_dt().fit(x, y, shuffle=True), r"unexpected keyword"
    )
    for dt in (torch.float64, torch.float16):
        c.accept(
            api + ".fit",
            f"x {str(dt)[6:]}",
            lambda dt=dt: small_dt().fit(x.to(dt), y, batch_size=8),
            lambda r: True,
            "",
            match=DTYPE,
        )
    c.accept(
        api + ".fit",
        "NaN in x with check_finite=False",
        lambda: small_dt().fit(with_nan(x), y, batch_size=8, check_finite=False).predict_proba(x),
        has_nan,
        "the caller's choice (opt-out)",
    )
    fitted = small_dt().fit(x, y, batch_size=8)
    tensor_inputs(
        c,
        api + ".predict",
        lambda t: fitted.predict_proba(t),
        x,
        shape_match=r"x must have shape \(batch, 6\)",
    )
    c.error(
        api + ".train_block",
        "inf in x",
        lambda: small_dt().train_block(1, x.masked_fill(x > 1.5, INF), y, batch_size=8),
        r"non-finite",
    )
    c.error(api + ".train_block", "t=5", lambda: small_dt().train_block(5, x, y, batch_size=8), r"t must be")
    api = "noprop.NoPropCT"
    blk = lambda: noprop.TimeBlockMLP(5, 3, 3, hidden=8)  # noqa: E731
    hp(
        c,
        api,
        lambda **k: noprop.NoPropCT(block=blk(), num_classes=3, **k),
        "n_steps",
        [0, -2, 1.5],
        r"n_steps",
    )
    hp(c, api, lambda **k: noprop.NoPropCT(block=blk(), num_classes=3, **k), "eta", [-1.0, NAN], r"eta")
    c.error(
        api + ".loss",
        "labels + 3",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3).loss(xb, yb + 3),
        r"\[0, 3\)",
    )
    c.warn(
        api + ".predict",
        "before any training",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3).predict(xb, n_steps=2),
        r"not been trained",
    )
    c.error(
        api + ".fit",
        "NaN in x",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3, n_steps=2).fit(with_nan(xb), yb, batch_size=6),
        r"non-finite",
    )
    for v in (-1.0, 0.0):
        c.error(
            api + ".fit",
            f"grad_clip={v}",
            lambda v=v: noprop.NoPropCT(block=blk(), num_classes=3, n_steps=2).fit(
                xb, yb, batch_size=6, grad_clip=v
            ),
            r"grad_clip",
        )
    c.error(
        api + ".forward",
        "n_steps=0",
        lambda: noprop.NoPropCT(block=blk(), num_classes=3)(xb, n_steps=0),
        r"n_steps",
    )
    api = "noprop.NoPropFM"
    fm = lambda **k: noprop.NoPropFM(
        block=noprop.TimeBlockMLP(5, 3, 3, hidden=8, out_features=3), num_classes=3, **({"n_steps": 2} | k)
    )  # noqa: E731
    hp(c, api, fm, "ce_weight", [-1.0, NAN], r"ce_weight")
    hp(c, api, fm, "n_steps", [0], r"n_steps")
    c.error(api + ".fit", "NaN in x", lambda: fm().fit(with_nan(xb), yb, batch_size=6), r"non-finite")
    api = "noprop.BackpropClassifier"
    bp = lambda: noprop.BackpropClassifier(noprop.BackpropMLP(5, 3, hidden=(8,)), num_classes=3)  # noqa: E731
    c.error(api + ".fit", "NaN in x", lambda: bp().fit(with_nan(xb), yb, batch_size=6), r"non-finite")
    c.error(api + ".fit", "x float64", lambda: bp().fit(xb.double(), yb, batch_size=6), DTYPE)
    api = "noprop.LabelEmbedding"
    c.error(
        api, "prototype without prototypes", lambda: noprop.LabelEmbedding(4, mode="prototype"), r"prototypes"
    )
    c.error(
        api,
        "prototypes of the wrong shape",
        lambda: noprop.LabelEmbedding(4, mode="prototype", dim=3, prototypes=R(5, 3)),
        r"shape \(4, 3\)",
    )
    c.error(api, "dim=0", lambda: noprop.LabelEmbedding(4, mode="learned", dim=0), r"dim >= 1")
    c.error(api, "mode='random'", lambda: noprop.LabelEmbedding(4, mode="random"), r"mode must be one of")
    c.error(api, "num_classes=0", lambda: noprop.LabelEmbedding(0), r"num_classes")
    c.error(
        api + ".forward",
        "label 4 of 4",
        lambda: noprop.LabelEmbedding(4)(torch.tensor([0, 4])),
        r"\[0, 4\)|label|class",
    )
    api = "noprop.DenoiseBlockCNN"
    c.error(
        api,
        "channels-last input",
        lambda: noprop.DenoiseBlockCNN(3, 4, 4, 8)(R(2, 8, 8, 3), R(2, 4)),
        r"\(batch, 3, 8, 8\)",
    )
    c.error(
        api,
        "x float64",
        lambda: noprop.DenoiseBlockCNN(1, 4, 4, 8, hidden=8)(R(2, 1, 8, 8, dtype=torch.float64), R(2, 4)),
        r"x dtype",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "z float64",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)(x, R(16, 4, dtype=torch.float64)),
        r"z dtype",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "z of the wrong width",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, hidden=8)(x, R(16, 5)),
        r"z|shape|embed",
    )
    c.error(
        "noprop.DenoiseBlockMLP",
        "dropout=1.5",
        lambda: noprop.DenoiseBlockMLP(6, 4, 4, dropout=1.5),
        r"dropout",
    )
    api = "noprop.cosine_alpha_bar"
    c.error(api, "T=0", lambda: noprop.cosine_alpha_bar(0), r"T must be >= 1")
    c.error(api, "abar_max=1", lambda: noprop.cosine_alpha_bar(5, abar_max=1.0), r"abar_max")
    c.error(api, "abar_max=0", lambda: noprop.cosine_alpha_bar(5, abar_max=0.0), r"abar_max")
    c.error(api, "s=-1", lambda: noprop.cosine_alpha_bar(5, s=-1.0), r"\bs\b")
    c.error(
        "noprop.DiscreteSchedule",
        "not increasing",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.0, 0.5, 0.4])),
        r"strictly increasing",
    )
    c.error(
        "noprop.DiscreteSchedule",
        "NaN",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.1, NAN, 0.9])),
        r"abar|finite|NaN|increasing",
    )
    c.error(
        "noprop.DiscreteSchedule",
        "values above 1",
        lambda: noprop.DiscreteSchedule(torch.tensor([0.1, 0.5, 1.5])),
        r"abar|\(0, 1\)|in \[",
    )
    c.error(
        "noprop.DiscreteSchedule.posterior",
        "t=4 of 3",
        lambda: noprop.DiscreteSchedule.cosine(3).posterior(4),
        r"t must be in 1..3",
    )
    c.error(
        "noprop.LearnableSchedule",
        "gamma0 > gamma1",
        lambda: noprop.LearnableSchedule(gamma0=1.0, gamma1=0.0),
        r"gamma0",
    )
    c.error(
        "noprop.sinusoidal_embedding", "dim=0", lambda: noprop.sinusoidal_embedding(torch.rand(3), 0), r"dim"
    )
    c.error(
        "noprop.sinusoidal_embedding",
        "odd dim",
        lambda: noprop.sinusoidal_embedding(torch.rand(3), 5),
        r"dim",
    )
    c.error(
        "noprop.medoid_prototypes",
        "a class without samples",
        lambda: noprop.medoid_prototypes(x, y % 2, 4),
        r"class|samples",
    )
