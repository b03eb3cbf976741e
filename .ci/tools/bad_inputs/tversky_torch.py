"""Bad-input cases of tversky-torch: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .common import DTYPE, INF, NAN, R, hp, tensor_inputs


def cases(c: Any) -> None:
    import tversky_torch
    from tversky_torch import SharedFeatureBank, TverskyOptions, TverskyProjection, TverskySimilarity
    from tversky_torch import functional as TF

    api = "tversky_torch.TverskyProjection"
    P = lambda **k: TverskyProjection(**({"in_features": 2, "out_features": 2, "num_features": 2} | k))  # noqa: E731
    hp(c, api, P, "in_features", [0, -1], r"in_features")
    hp(c, api, P, "out_features", [2.5, 0], r"out_features")
    hp(c, api, P, "num_features", [True, 0], r"num_features")
    hp(c, api, P, "intersection", ["sum"], r"intersection must be one of")
    hp(c, api, P, "learnable", [("gamma",)], r"learnable")
    hp(c, api, P, "init", ["zeros"], r"init must be one of")
    hp(c, api, P, "options", [{"model": "ratio"}], r"options must be a TverskyOptions")
    c.error(
        api,
        "feature_bank of another dim",
        lambda: TverskyProjection(2, 2, 4, feature_bank=SharedFeatureBank(4, 3)),
        r"feature_bank has dim 3",
    )
    c.error(
        api,
        "feature_bank tensor of the wrong shape",
        lambda: TverskyProjection(2, 2, 4, feature_bank=nn.Parameter(torch.rand(4, 3))),
        r"feature_bank must have shape",
    )
    c.error(
        api,
        "prototypes with 3 rows",
        lambda: TverskyProjection(2, 2, 4, prototypes=nn.Parameter(torch.rand(3, 2))),
        r"prototypes has 3 rows",
    )
    c.error(
        api,
        "unknown keyword bias",
        lambda: TverskyProjection(2, 2, 2, bias=True),
        r"unexpected keyword argument",
    )
    c.warn(
        api,
        "difference='substractmatch' (old spelling)",
        lambda: TverskyProjection(3, 2, 2, difference="substractmatch"),
        r"subtractmatch|deprecat",
    )
    layer = lambda: TverskyProjection(3, 2, 4)  # noqa: E731
    tensor_inputs(
        c, api + ".forward", lambda t: layer()(t), R(5, 3), shape_match=r"expected last dim 3", leading=True
    )
    c.accept(
        api + ".forward",
        "x bfloat16",
        lambda: layer()(R(5, 3).bfloat16()),
        lambda r: r.dtype == torch.bfloat16,
        "",
        match=DTYPE,
    )
    c.error(
        api + ".forward", "x bool", lambda: layer()(torch.ones(2, 3, dtype=torch.bool)), r"floating-point"
    )
    c.error(
        api + ".forward",
        "x complex",
        lambda: layer()(torch.ones(2, 3, dtype=torch.complex64)),
        r"floating-point",
    )
    c.error(
        api + ".reset_parameters",
        "init='zeros'",
        lambda: layer().reset_parameters("zeros"),
        r"init must be one of",
    )
    c.error(api + ".salience", "x float64", lambda: layer().salience(R(5, 3).double()), r"x dtype")
    api = "tversky_torch.TverskyOptions"
    for k, v, m in [
        ("model", "linear", "model must be one of"),
        ("alpha", NAN, "alpha must be a finite float"),
        ("theta", True, "theta must be a finite float"),
        ("threshold", "0", "threshold must be a finite float"),
        ("gmean_eps", -1e-8, "gmean_eps must be >= 0.0"),
        ("chunk_size", 0, "chunk_size must be a positive int or None"),
        ("max_intermediate_bytes", 0, "max_intermediate_bytes must be a positive int"),
        ("beta", INF, "beta"),
        ("normalize", "yes", "normalize"),
        ("difference", "nope", "difference"),
    ]:
        c.error(api, f"{k}={v!r}", lambda k=k, v=v: TverskyOptions(**{k: v}), m)
        c.error(api + ".replace", f"{k}={v!r}", lambda k=k, v=v: TverskyOptions().replace(**{k: v}), m)
    c.error(
        api + ".replace", "unknown field", lambda: TverskyOptions().replace(foo=1), r"foo|unknown|unexpected"
    )
    api = "tversky_torch.TverskySimilarity"
    sim = lambda: TverskySimilarity(3, 4)  # noqa: E731
    c.error(
        api,
        "bias=True",
        lambda: TverskySimilarity(2, 2, bias=True),
        r"TverskySimilarity got unexpected keyword argument",
    )
    c.error(api + ".forward", "b float64", lambda: sim()(R(2, 3), R(4, 3, dtype=torch.float64)), r"b dtype")
    c.error(api + ".forward", "a float16", lambda: sim()(R(2, 3, dtype=torch.float16), R(4, 3)), r"a dtype")
    c.error(
        api + ".forward", "a of the wrong width", lambda: sim()(R(2, 4), R(4, 3)), r"expected last dim 3|a"
    )
    c.error(api + ".forward", "b=None", lambda: sim()(R(2, 3), None), r"\bb\b|tensor")
    c.accept(
        api + ".forward",
        "empty a",
        lambda: sim()(R(0, 3), R(4, 3)),
        lambda r: r.shape[0] == 0,
        "an empty answer",
    )
    api = "tversky_torch.tversky_similarity"
    x, p, fb = R(2, 3), R(4, 3), R(5, 3)
    c.error(
        api,
        "intersection='median'",
        lambda: TF.tversky_similarity(x, p, fb, intersection="median"),
        r"intersection must be one of",
    )
    c.error(
        api,
        "difference='nope'",
        lambda: TF.tversky_similarity(x, p, fb, difference="nope"),
        r"difference must be one of",
    )
    c.error(
        api,
        "model='linear'",
        lambda: TF.tversky_similarity(x, p, fb, model="linear"),
        r"model must be one of",
    )
    c.error(api, "x int64", lambda: TF.tversky_similarity(x.long(), p, fb), r"floating-point")
    c.error(api, "x complex", lambda: TF.tversky_similarity(x.to(torch.complex64), p, fb), r"floating-point")
    c.error(
        api, "x of the wrong width", lambda: TF.tversky_similarity(R(2, 4), p, fb), r"expected last dim 3"
    )
    c.error(
        api, "features of the wrong width", lambda: TF.tversky_similarity(x, p, R(5, 4)), r"features|last dim"
    )
    c.error(
        api,
        "max_intermediate_bytes=16 with exact_per_feature",
        lambda: TF.tversky_similarity(
            x, p, fb, intersection="min", exact_per_feature=True, max_intermediate_bytes=16
        ),
        r"chunk_size",
    )
    c.error(
        api,
        "chunk_size=0",
        lambda: TF.tversky_similarity(x, p, fb, difference="subtractmatch", chunk_size=0),
        r"chunk_size",
    )
    c.error(
        api,
        "a layer-only option init=",
        lambda: TF.tversky_similarity(x, p, fb, init="normal"),
        r"unexpected keyword argument\(s\) \['init'\]",
    )
    c.error(
        api,
        "alpha of shape (2,)",
        lambda: TF.tversky_similarity(x, p, fb, torch.ones(2)),
        r"alpha must be a scalar",
    )
    c.error(api, "alpha=nan", lambda: TF.tversky_similarity(x, p, fb, NAN), r"alpha")
    c.accept(
        api,
        "x float64 with float32 prototypes",
        lambda: TF.tversky_similarity(x.double(), p, fb),
        lambda r: r.dtype == torch.float64,
        "promoted, as torch functionals do",
        match=DTYPE,
    )
    c.error(
        "tversky_torch.salience",
        "features of the wrong width",
        lambda: tversky_torch.salience(x, R(5, 4)),
        r"features|last dim|shape",
    )
    api = "tversky_torch.replace_linear"
    model = lambda: nn.Sequential(nn.Linear(4, 4))  # noqa: E731
    c.error(
        api, "num_features=0", lambda: tversky_torch.replace_linear(model(), num_features=0), r"num_features"
    )
    c.error(
        api,
        "feature_bank given",
        lambda: tversky_torch.replace_linear(model(), num_features=2, feature_bank=torch.rand(2, 4)),
        r"replace_linear sets feature_bank itself",
    )
    c.error(
        api,
        "predicate a string",
        lambda: tversky_torch.replace_linear(model(), "0", num_features=2),
        r"predicate must be callable",
    )

    def untouched() -> Any:
        m = model()
        try:
            tversky_torch.replace_linear(m, num_features=2, intersection="sum")
        except ValueError as err:
            if not isinstance(m[0], nn.Linear):
                return "replaced anyway"
            raise err
        return "accepted"

    c.error(api, "intersection='sum' (nothing replaced)", untouched, r"intersection must be one of")
    c.error(
        api,
        "a module that is not a Module",
        lambda: tversky_torch.replace_linear("model", num_features=2),
        r"module",
    )
    c.error(
        "tversky_torch.SharedFeatureBank", "num_features=0", lambda: SharedFeatureBank(0, 3), r"num_features"
    )
    c.error(
        "tversky_torch.SharedFeatureBank",
        "init='zeros'",
        lambda: SharedFeatureBank(4, 3, init="zeros"),
        r"init",
    )
    c.error(
        "tversky_torch.DataDomainParameter",
        "n=0",
        lambda: tversky_torch.DataDomainParameter(nn.Flatten(), (1, 2, 2), 0),
        r"\bn\b",
    )
    c.error(
        "tversky_torch.DataDomainParameter",
        "encoder not a module",
        lambda: tversky_torch.DataDomainParameter("enc", (1, 2, 2), 3),
        r"encoder",
    )
    try:
        import transformers

        from tversky_torch.hf import tversky_gpt2

        cfg = transformers.GPT2Config(vocab_size=20, n_positions=8, n_embd=8, n_layer=1, n_head=2)
        api = "tversky_torch.hf.tversky_gpt2"
        c.error(
            api, "mode='every'", lambda: tversky_gpt2(cfg, mode="every"), r"mode must be one of", timeout=240
        )
        c.error(
            api,
            "targets outside the model",
            lambda: tversky_gpt2(cfg, mode="all", targets=("attn.q_proj",)),
            r"targets must be a subset",
        )
        c.error(api, "init='normal'", lambda: tversky_gpt2(cfg, init="normal"), r"feature_init=", timeout=240)
        c.error(
            api,
            "config a dict",
            lambda: tversky_gpt2({"n_embd": 8}),
            r"config must be a transformers.GPT2Config",
        )
    except ImportError:
        pass
