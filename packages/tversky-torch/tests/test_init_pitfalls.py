"""Initialisation pitfalls behind the head-swap and language-model studies (and the protocols of both)."""

import dataclasses
import math

import pytest
import torch

from tversky_torch import TverskyProjection
from tversky_torch import functional as TF
from tversky_torch.reproduce import PRESETS
from tversky_torch.reproduce.mlp import backbone, digits_split, tversky_head


def test_uniform_init_on_nonnegative_inputs_has_degenerate_sets():
    """U[0, 1) prototypes and features with non-negative inputs: every set holds every feature, both difference
    terms vanish and the contrast model is the bilinear map theta (x F^T)(P F^T)^T with large values."""
    torch.manual_seed(0)
    layer = TverskyProjection(32, 10, 32, init="uniform").double()
    x = torch.relu(torch.randn(64, 32, dtype=torch.float64))
    f, p = layer.features(), layer.prototype_matrix()
    xm, xmask = TF.tversky_projections(x, f)
    pm, pmask = TF.tversky_projections(p, f)
    assert bool(xmask[x.abs().sum(-1) > 0].all()) and bool(pmask.all())
    assert TF.difference(xm, xmask, pm, pmask).abs().max() == 0
    assert TF.difference(pm, pmask, xm, xmask).abs().max() == 0
    bilinear = layer.theta * (x @ f.T) @ (p @ f.T).T
    torch.testing.assert_close(layer(x), bilinear)
    assert layer(x).std(-1).mean() > 5  # saturated softmax from the first step
    # a zero-centred init gives mixed memberships and O(1) similarities on the same inputs
    torch.manual_seed(0)
    normal = TverskyProjection(32, 10, 32, init="normal").double()
    _, mask = TF.tversky_projections(x, normal.features())
    assert 0.2 < mask.double().mean() < 0.8
    assert normal(x).std(-1).mean() < 2


def test_digits_deciding_arms_use_a_signed_embedding_and_the_default_init():
    """Issue #22 review: the deciding head-swap arms keep the layer's default U[0, 1) init on a signed embedding
    (no final ReLU), where the sets are not degenerate; on the first run's ReLU embedding every set holds every
    feature, and N(0, 1/d) is the documented option there (unit-scale logits)."""
    for study in ("digits", "frozen"):
        cfg = PRESETS["cpu"].studies[study]
        assert cfg.init == "uniform" and not cfg.embed_relu and cfg.relu_inits == ("normal", "uniform")
    cfg = PRESETS["cpu"].studies["digits"]
    assert not PRESETS["cpu"].studies["data_domain"].embed_relu
    xtr = digits_split(0, torch.device("cpu"))[0][:256]
    torch.manual_seed(0)
    signed = backbone(cfg.embed_relu)(xtr).detach()
    torch.manual_seed(0)
    relu = backbone(True)(xtr).detach()
    assert bool((signed < 0).any()) and bool((relu >= 0).all())
    torch.manual_seed(0)
    head = tversky_head(cfg)
    _, mask_signed = TF.tversky_projections(signed, head.features())
    _, mask_relu = TF.tversky_projections(relu, head.features())
    assert bool(mask_relu.all()) and not bool(mask_signed.all())
    torch.manual_seed(0)
    assert (
        tversky_head(cfg, "normal")(relu).detach().std(-1).mean()
        < 1.0
        < 5.0
        < head(relu).detach().std(-1).mean()
    )


def test_lm_tversky_head_initial_loss_near_uniform_prediction():
    """With the preset's N(0, 1/d) feature bank the Tversky head's initial loss is close to ln V like a linear
    head's; the official U[0, 1) init starts several nats above it (the cause of the 10x perplexity we saw)."""
    pytest.importorskip("transformers")
    from tversky_torch.reproduce.lm import build_lm

    cfg = dataclasses.replace(PRESETS["cpu"].studies["lm"], n_layer=1)
    ids = torch.randint(0, cfg.vocab, (2, 32), generator=torch.Generator().manual_seed(0))

    def initial_loss(arm: str) -> float:
        torch.manual_seed(0)
        model = build_lm(cfg, arm).eval()
        with torch.no_grad():
            return float(model(input_ids=ids, labels=ids).loss)

    ln_v = math.log(cfg.vocab)
    assert abs(initial_loss("linear") - ln_v) < 0.5
    assert initial_loss("head") < ln_v + 2.0
    assert initial_loss("head_ablation") > ln_v + 5.0
