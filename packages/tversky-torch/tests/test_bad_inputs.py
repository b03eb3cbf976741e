"""Bad input gets a clear error naming the argument: the layers, the functional form, the options, the GPT-2
helper and the reproduction's study configs."""

import dataclasses

import pytest
import torch
from torch import nn

import tversky_torch
from tversky_torch import SharedFeatureBank, TverskyOptions, TverskyProjection, TverskySimilarity
from tversky_torch import functional as TF
from tversky_torch.reproduce import PRESETS, data_domain, digits, frozen, lm, main, xor


def test_layer_arguments_name_the_argument():
    with pytest.raises(ValueError, match="in_features"):
        TverskyProjection(0, 2, 2)
    with pytest.raises(ValueError, match="out_features"):
        TverskyProjection(2, 2.5, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_features"):
        TverskyProjection(2, 2, True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="intersection must be one of"):
        TverskyProjection(2, 2, 2, intersection="sum")
    with pytest.raises(ValueError, match="learnable"):
        TverskyProjection(2, 2, 2, learnable=("gamma",))
    with pytest.raises(ValueError, match="feature_bank has dim 3"):
        TverskyProjection(2, 2, 4, feature_bank=SharedFeatureBank(4, 3))
    with pytest.raises(ValueError, match="feature_bank must have shape"):
        TverskyProjection(2, 2, 4, feature_bank=nn.Parameter(torch.rand(4, 3)))
    with pytest.raises(ValueError, match="prototypes has 3 rows, expected out_features=2"):
        TverskyProjection(2, 2, 4, prototypes=nn.Parameter(torch.rand(3, 2)))
    with pytest.raises(ValueError, match="init must be one of"):
        TverskyProjection(2, 2, 2, init="zeros")
    with pytest.raises(TypeError, match=r"TverskySimilarity got unexpected keyword argument\(s\) \['bias'\]"):
        TverskySimilarity(2, 2, bias=True)
    with pytest.raises(TypeError, match="options must be a TverskyOptions"):
        TverskyProjection(2, 2, 2, options={"model": "ratio"})  # type: ignore[arg-type]
    layer = TverskyProjection(3, 2, 2)
    with pytest.raises(ValueError, match="expected last dim 3, got 4"):
        layer(torch.randn(2, 4))
    with pytest.raises(TypeError, match="floating-point"):
        layer(torch.ones(2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="floating-point"):
        layer(torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="init must be one of"):
        layer.reset_parameters("zeros")
    with pytest.warns(DeprecationWarning):
        assert TverskyProjection(3, 2, 2, difference="substractmatch").difference == "subtractmatch_aggregate"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "linear"}, "model must be one of"),
        ({"alpha": float("nan")}, "alpha must be a finite float"),
        ({"theta": True}, "theta must be a finite float"),
        ({"threshold": "0"}, "threshold must be a finite float"),
        ({"gmean_eps": -1e-8}, "gmean_eps must be >= 0.0"),
        ({"chunk_size": 0}, "chunk_size must be a positive int or None"),
        ({"max_intermediate_bytes": 0}, "max_intermediate_bytes must be a positive int"),
    ],
)
def test_options_are_validated_in_one_place(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TverskyOptions(**kwargs)
    with pytest.raises(ValueError, match=match):  # the layers validate through the options
        TverskyProjection(2, 2, 2, **kwargs)
    with pytest.raises(ValueError, match=match):
        TverskyOptions().replace(**kwargs)


def test_functional_bad_inputs():
    x, p, f = torch.randn(2, 3), torch.randn(4, 3), torch.randn(5, 3)
    with pytest.raises(ValueError, match="intersection must be one of"):
        TF.tversky_similarity(x, p, f, intersection="median")
    with pytest.raises(ValueError, match="difference must be one of"):
        TF.tversky_similarity(x, p, f, difference="nope")
    with pytest.raises(ValueError, match="model must be one of"):
        TF.tversky_similarity(x, p, f, model="linear")
    with pytest.raises(TypeError, match="floating-point"):
        TF.tversky_similarity(x.long(), p, f)
    with pytest.raises(TypeError, match="floating-point"):
        TF.tversky_similarity(x.to(torch.complex64), p, f)
    with pytest.raises(ValueError, match="expected last dim 3"):
        TF.tversky_similarity(torch.randn(2, 4), p, f)
    with pytest.raises(ValueError, match="chunk_size"):
        TF.tversky_similarity(x, p, f, intersection="min", exact_per_feature=True, max_intermediate_bytes=16)
    with pytest.raises(ValueError, match="chunk_size"):
        TF.tversky_similarity(x, p, f, difference="subtractmatch", chunk_size=0)
    # options only a layer has are refused by the functional form, by name
    with pytest.raises(
        TypeError, match=r"tversky_similarity got unexpected keyword argument\(s\) \['init'\]"
    ):
        TF.tversky_similarity(x, p, f, init="normal")
    with pytest.raises(ValueError, match="alpha must be a scalar"):
        TF.tversky_similarity(x, p, f, torch.ones(2))
    with pytest.warns(DeprecationWarning, match="subtractmatch_aggregate"):
        a = TF.tversky_similarity(x, p, f, difference="substractmatch")
    torch.testing.assert_close(a, TF.tversky_similarity(x, p, f, difference="subtractmatch_aggregate"))


def test_replace_linear_and_gpt2_bad_inputs():
    model = nn.Sequential(nn.Linear(4, 4))
    with pytest.raises(ValueError, match="num_features"):
        tversky_torch.replace_linear(model, num_features=0)
    with pytest.raises(ValueError, match="replace_linear sets feature_bank itself"):
        tversky_torch.replace_linear(model, num_features=2, feature_bank=torch.rand(2, 4))
    with pytest.raises(TypeError, match="predicate must be callable"):
        tversky_torch.replace_linear(model, "0", num_features=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="intersection must be one of"):
        tversky_torch.replace_linear(model, num_features=2, intersection="sum")
    assert isinstance(model[0], nn.Linear)  # nothing replaced when the options are bad
    transformers = pytest.importorskip("transformers")
    from tversky_torch.hf import tversky_gpt2

    cfg = transformers.GPT2Config(vocab_size=20, n_positions=8, n_embd=8, n_layer=1, n_head=2)
    with pytest.raises(ValueError, match="mode must be one of"):
        tversky_gpt2(cfg, mode="every")
    with pytest.raises(ValueError, match="targets must be a subset"):
        tversky_gpt2(cfg, mode="all", targets=("attn.q_proj",))
    with pytest.raises(ValueError, match="feature_init="):
        tversky_gpt2(cfg, init="normal")
    with pytest.raises(TypeError, match="config must be a transformers.GPT2Config"):
        tversky_gpt2({"n_embd": 8})


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: xor.Config(ks=()), "xor.ks must be a non-empty tuple"),
        (lambda: xor.Config(ks=(4, 0)), r"xor.ks\[1\] must be an int >= 1"),
        (lambda: xor.Config(lrs=(0.1, -1.0)), r"xor.lrs\[1\] must be a finite number > 0"),
        (lambda: xor.Config(judge_lr=0.5), "xor.judge_lr must be one of xor.lrs"),
        (lambda: xor.Config(n_seeds=0), "xor.n_seeds must be an int >= 1 or None"),
        (lambda: xor.Config(n_precision_seeds=-1), "xor.n_precision_seeds must be an int >= 0"),
        (lambda: digits.Config(epochs=0), "digits.epochs must be an int >= 1"),
        (lambda: digits.Config(init="zeros"), "digits.init must be one of"),
        (lambda: frozen.Config(lr=0.0), "frozen.lr must be a finite number > 0"),
        (lambda: frozen.Config(relu_inits=("zeros",)), r"frozen.relu_inits\[0\] must be one of"),
        (lambda: frozen.Config(lr_grid=()), "frozen.lr_grid must be a non-empty tuple"),
        (lambda: digits.Config(lr_grid=(1e-3, 0.0)), r"digits.lr_grid\[1\] must be a finite number > 0"),
        (lambda: digits.Config(val_fraction=1.0), r"digits.val_fraction must be a float in \(0, 1\)"),
        (lambda: frozen.Config(n_precision_seeds=-2), "frozen.n_precision_seeds must be an int >= 0"),
        (lambda: data_domain.Config(batch=0), "data_domain.batch must be an int >= 1"),
        (lambda: data_domain.Config(embed_relu=1), "data_domain.embed_relu must be a bool"),
        (lambda: lm.Config(vocab=2), "lm.vocab must be an int >= 3"),
        (lambda: lm.Config(n_embd=130, n_head=4), "lm.n_embd .130. must be a multiple of lm.n_head .4."),
        (lambda: lm.Config(all_targets=("attn.q",)), r"lm.all_targets\[0\] must be one of"),
        (lambda: lm.Config(feature_init="ones"), "lm.feature_init must be one of"),
        (lambda: dataclasses.replace(PRESETS["cpu"].studies["lm"], steps=0), "lm.steps must be an int >= 1"),
    ],
)
def test_study_configs_name_the_field(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_command_line_refuses_bad_overrides(capsys):
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "xor.steps=0", "--no-progress"])
    assert "xor.steps must be an int >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "digits.width=3", "--no-progress"])
    assert "digits has no field 'width'" in capsys.readouterr().err


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_input_dtype_other_than_the_layers_is_a_clear_type_error(dtype):
    """Issue #25: float64 / float16 input to a float32 layer failed inside torch ("expected m1 and m2 to have the
    same dtype"). One policy, as torch layers: a clear TypeError naming both dtypes and the two ways out."""
    proj = TverskyProjection(3, 2, 4)
    x = torch.randn(5, 3).to(dtype)
    with pytest.raises(
        TypeError, match=rf"x dtype {dtype} differs from the parameters' dtype torch.float32.*x\.to"
    ):
        proj(x)
    with pytest.raises(TypeError, match=rf"x dtype {dtype} differs"):
        proj.salience(x)
    sim = TverskySimilarity(3, 4)
    with pytest.raises(TypeError, match=rf"b dtype {dtype} differs"):
        sim(torch.randn(2, 3), torch.randn(4, 3).to(dtype))
    with pytest.raises(TypeError, match=rf"a dtype {dtype} differs"):
        sim(torch.randn(2, 3).to(dtype), torch.randn(4, 3))
    if dtype == torch.float64:
        with pytest.raises(TypeError, match=r"\.double\(\)"):
            proj(x)
    # the two ways out work: the input converted, or the layer converted
    ref = proj(x.float())
    assert proj.to(dtype)(x).dtype == dtype
    if dtype == torch.float64:
        torch.testing.assert_close(proj(x).float(), ref, rtol=1e-5, atol=1e-5)


def test_mixed_dtypes_under_autocast_still_work():
    """Autocast feeds low-precision activations to float32 layers by design: no error there."""
    proj = TverskyProjection(8, 3, 4)
    x = torch.randn(5, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = proj(x.to(torch.bfloat16))
    assert torch.isfinite(y).all()


def test_reproduce_checks_transformers_before_any_study_runs(monkeypatch, tmp_path):
    """Issue #25: without transformers the run started, trained for a while and failed in the lm study, saving
    nothing. Every optional dependency a study needs is now checked before the first study starts."""
    import importlib.util

    from tversky_torch import reproduce

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name == "transformers" else real_find_spec(name, *a, **k),
    )
    ran = []
    for name, study in list(reproduce.STUDIES.items()):
        monkeypatch.setitem(
            reproduce.STUDIES,
            name,
            dataclasses.replace(study, run=lambda cfg, ctx, name=name: ran.append(name)),
        )
    out = tmp_path / "quick.json"
    with pytest.raises(RuntimeError, match=r"study lm needs transformers.*tversky-torch\[reproduce\]"):
        main(["--preset", "quick", "--no-progress", "--out", str(out)])
    assert ran == [] and not out.exists()  # nothing ran, nothing half-written
    assert set(reproduce.STUDIES["lm"].requires) >= {"transformers"}
    for name in ("digits", "frozen", "data_domain"):  # the digits data come from scikit-learn
        assert "sklearn" in reproduce.STUDIES[name].requires


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


def test_sweep_findings_are_clear_errors():
    with pytest.raises(ValueError, match="normalize must be a bool, got str 'yes'"):
        TverskyOptions(normalize="yes")  # was taken as True
    with pytest.raises(ValueError, match="exact_per_feature must be a bool"):
        TverskyOptions().replace(exact_per_feature="no")
    x, p, f = torch.randn(2, 3), torch.randn(4, 3), torch.randn(5, 3)
    with pytest.raises(ValueError, match="alpha must be a finite float, got nan"):
        TF.tversky_similarity(x, p, f, float("nan"))  # was an all-NaN similarity
    with pytest.raises(
        TypeError, match=r"x, y and features must share one dtype, got x torch\.float64.*\.to\("
    ):
        TF.tversky_similarity(x.double(), p, f)  # was "expected m1 and m2 to have the same dtype"
    with torch.autocast("cpu", dtype=torch.bfloat16):  # autocast mixes dtypes by design: still accepted
        assert torch.isfinite(TF.tversky_similarity(x.bfloat16(), p, f).float()).all()


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """Issue #25: a Tversky layer on CUDA given CPU inputs: a clear error naming the devices."""
    from paperzoo_shared.testing import check_wrong_device

    layer = TverskyProjection(8, 3, num_features=4).cuda()
    x = torch.randn(2, 8)
    assert check_wrong_device(lambda: layer(x), layer(x.cuda())) in ("clear", "sensible")
    sim = TverskySimilarity(8, num_features=4).cuda()
    assert check_wrong_device(lambda: sim(x, x.cuda()), sim(x.cuda(), x.cuda())) in ("clear", "sensible")
