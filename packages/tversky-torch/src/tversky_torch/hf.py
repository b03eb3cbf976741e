"""GPT-2 with Tversky projections, built from a ``transformers.GPT2Config`` (random init, nothing downloaded).

Paper Sec. 3.2: "Tversky-head" replaces the language-model head by a :class:`TverskyProjection` whose prototypes
may be tied to the token embeddings (like weight tying); "Tversky-all" also replaces the transformer's
projection layers, sharing one feature bank. Which projections and how many features the paper used are not
stated precisely enough to copy, so each is an argument here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from tversky_torch.convert import replace_linear
from tversky_torch.modules import SharedFeatureBank, TverskyProjection, _check_pos_int
from tversky_torch.options import TverskyOptions, resolve_options

MODES = ("linear", "head", "all")
GPT2_PROJECTIONS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")

__all__ = ["GPT2_PROJECTIONS", "MODES", "tversky_gpt2"]


def tversky_gpt2(
    config: Any,
    *,
    mode: str = "head",
    num_features: int = 256,
    tie_prototypes: bool = True,
    targets: Sequence[str] = GPT2_PROJECTIONS,
    feature_init: str = "uniform",
    options: TverskyOptions | None = None,
    **kwargs: Any,
) -> nn.Module:
    """A randomly initialised ``GPT2LMHeadModel`` with a Tversky head (``mode="head"``), Tversky head and
    projections (``mode="all"``) or the plain linear model (``mode="linear"``, the baseline).

    ``tie_prototypes=True`` uses ``transformer.wte.weight`` as the head's prototypes (the head then adds only
    ``num_features * n_embd + 3`` parameters); otherwise the head learns its own ``(vocab, n_embd)`` prototypes
    and ``config.tie_word_embeddings`` is switched off. ``targets`` names the block projections replaced in
    ``mode="all"`` (suffixes of module names inside ``transformer.h``); layers whose input width is ``n_embd``
    share the head's feature bank, ``mlp.c_proj`` (width ``4 n_embd``) gets one bank of its own. ``options`` (a
    :class:`TverskyOptions`) and/or its fields as keyword arguments go to every :class:`TverskyProjection`
    (reductions, model, normalize, ...), except ``init``: ``feature_init`` initialises the banks (and untied
    prototypes); the default U[0, 1) follows public Tversky code, but with prototypes tied to ``wte`` it starts
    the head with large, gradient-free ignorematch offsets per token: ``feature_init="normal"`` (N(0, 1/d)) is
    what ``tversky-torch-reproduce`` uses. Needs ``transformers`` (``pip install transformers``).
    """
    try:
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise ImportError("tversky_gpt2 needs transformers: pip install transformers") from err
    if not isinstance(config, GPT2Config):
        raise TypeError(f"config must be a transformers.GPT2Config, got {type(config).__name__}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if "init" in kwargs:
        raise ValueError("tversky_gpt2 takes the initialisation as feature_init=, got init= as well")
    opts = resolve_options(options, kwargs, where="tversky_gpt2").replace(init=feature_init)
    _check_pos_int("num_features", num_features)
    if isinstance(targets, str):
        targets = (targets,)
    unknown = [t for t in targets if t not in GPT2_PROJECTIONS]
    if unknown:
        raise ValueError(f"targets must be a subset of {GPT2_PROJECTIONS}, got {tuple(targets)!r}")
    model = GPT2LMHeadModel(config)
    if mode == "linear":
        return model
    d = config.n_embd
    bank = SharedFeatureBank(num_features, d, init=opts.init)
    wte = model.transformer.wte.weight
    head = TverskyProjection(
        d,
        config.vocab_size,
        num_features,
        prototypes=wte if tie_prototypes else None,
        feature_bank=bank.weight,
        options=opts,
    )
    if not tie_prototypes:
        model.config.tie_word_embeddings = False
    model.lm_head = head
    if mode == "all" and targets:
        suffixes = tuple(targets)
        replace_linear(
            model.transformer.h,
            lambda name, _m: name.endswith(suffixes),
            num_features=num_features,
            feature_banks={d: bank.weight},
            options=opts,
        )
    return model
