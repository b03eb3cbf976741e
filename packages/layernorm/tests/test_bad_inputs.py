"""Bad input gets a clear error naming the argument: the library's modules and the reproduction's study configs."""

import pytest
import torch

import layernorm as ln
from layernorm.reproduce import adding, digits, invariance
from layernorm.reproduce.common import Classifier


def test_module_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_size must be an int >= 2"):
        ln.LayerNormLSTM(3, 1)
    with pytest.warns(UserWarning, match="small"):
        ln.LayerNormGRU(3, 4)
    with pytest.raises(ValueError, match="input_size must be a positive int"):
        ln.LayerNormLSTMCell(0, 8)
    with pytest.raises(ValueError, match="num_layers"):
        ln.LayerNormLSTM(3, 8, num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        ln.LayerNormLSTM(3, 8, dropout=1.0)
    with pytest.warns(UserWarning, match="dropout"):
        ln.LayerNormLSTM(3, 8, dropout=0.5)
    with pytest.raises(ValueError, match="eps"):
        ln.LayerNormLSTM(3, 8, eps=0.0)
    with pytest.raises(NotImplementedError, match="proj_size"):
        ln.LayerNormLSTM(3, 8, proj_size=2)
    with pytest.raises(ValueError, match="grouping"):
        ln.LayerNormLSTMCell(3, 8, grouping="half")
    with pytest.raises(ValueError, match="impl"):
        ln.LayerNormLSTM(3, 8, impl="cuda-graphs")
    with pytest.raises(ValueError, match="init"):
        ln.LayerNormGRUCell(3, 8, init="xavier")
    with pytest.raises(ValueError, match="nonlinearity"):
        ln.LayerNormRNNCell(3, 8, nonlinearity="gelu")
    with pytest.raises(ValueError, match="norm must be one of"):
        ln.LayerNormRNNCell(3, 8, norm="joint")
    with pytest.raises(ValueError, match="normalized_size"):
        ln.LayerNorm(0)
    with pytest.raises(TypeError, match="nn.LSTM, nn.GRU or nn.RNN"):
        ln.from_torch(torch.nn.Linear(3, 8))


def test_forward_inputs():
    m = ln.LayerNormLSTM(3, 8).double()
    with pytest.raises(ValueError, match="input_size=3"):
        m(torch.randn(5, 2, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="2-d"):
        m(torch.randn(5, dtype=torch.float64))
    with pytest.raises(TypeError, match="floating point"):
        m(torch.ones(5, 2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="dtype"):
        m(torch.randn(5, 2, 3, dtype=torch.float32))
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    h0 = torch.zeros(1, 3, 8, dtype=torch.float64)
    with pytest.raises(ValueError, match="h_0 must have shape"):
        m(x, (h0, torch.zeros(1, 2, 8, dtype=torch.float64)))
    with pytest.raises(ValueError, match="lengths"):
        m(x, lengths=torch.tensor([6, 2]))
    with pytest.raises(ValueError, match="last dimension must be 8"):
        ln.LayerNorm(8)(torch.randn(2, 7))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: digits.Config(hidden=0), "digits.hidden"),
        (lambda: digits.Config(epochs=3, auc_epochs=5), "digits.auc_epochs"),
        (lambda: digits.Config(lr=0.0), "digits.lr"),
        (lambda: digits.Config(train_subset=-1), "digits.train_subset"),
        (lambda: digits.Config(max_acc_drop=-0.1), "digits.max_acc_drop"),
        (lambda: invariance.Config(n_examples=0), "invariance.n_examples"),
        (lambda: invariance.Config(scale=0.0), "invariance.scale"),
        (lambda: invariance.Config(eps=-1e-10), "invariance.eps"),
        (lambda: adding.Config(length=1), "adding.length"),
        (lambda: adding.Config(eval_every=0), "adding.eval_every"),
        (lambda: adding.Config(target_mse=0.0), "adding.target_mse"),
    ],
)
def test_study_configs_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_study_configs_are_frozen():
    with pytest.raises(AttributeError):
        digits.Config().epochs = 3  # type: ignore[misc]


def test_classifier_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        Classifier("gru", 1, 8, 10)


def test_set_override_is_checked():
    from layernorm.reproduce import main

    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "digits.auc_epochs=9", "--no-progress"])


@pytest.mark.parametrize("cls", [ln.LayerNormLSTM, ln.LayerNormGRU, ln.LayerNormRNN])
def test_empty_batches_and_empty_sequences(cls):
    """Issue #25: an input with no time steps reached torch.stack ("expects a non-empty TensorList")."""
    m = cls(3, 8)
    with pytest.raises(ValueError, match="no time steps"):
        m(torch.randn(0, 2, 3))
    with pytest.raises(ValueError, match="no time steps"):
        m(torch.randn(0, 3))  # unbatched
    with pytest.raises(ValueError, match="no time steps"):
        cls(3, 8, batch_first=True)(torch.randn(2, 0, 3))
    out, _ = m(torch.randn(5, 0, 3))  # an empty batch gives an empty answer
    assert out.shape == (5, 0, 8)
    assert cls(3, 8, batch_first=True, bidirectional=True)(torch.randn(0, 5, 3))[0].shape == (0, 5, 16)


def test_cells_and_reference_on_empty_batches():
    for cls in (ln.LayerNormLSTMCell, ln.LayerNormGRUCell, ln.LayerNormRNNCell):
        out = cls(3, 8)(torch.randn(0, 3))
        assert (out[0] if isinstance(out, tuple) else out).shape == (0, 8)
    assert ln.LayerNorm(8)(torch.randn(0, 8)).shape == (0, 8)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_dtype_policy_names_the_conversion(dtype):
    """One policy for every module: a clear TypeError naming both dtypes and how to convert."""
    conv = rf"dtype {dtype} differs from the parameters' dtype torch.float32: convert the input with .*\.to\(torch.float32\)"
    with pytest.raises(TypeError, match="input " + conv):
        ln.LayerNormLSTM(3, 8)(torch.randn(5, 2, 3, dtype=dtype))
    with pytest.raises(TypeError, match="input " + conv):
        ln.LayerNormGRUCell(3, 8)(torch.randn(2, 3, dtype=dtype))
    with pytest.raises(TypeError, match="input " + conv):
        ln.LayerNorm(8)(torch.randn(2, 8, dtype=dtype))  # was computed in the promoted dtype, silently
    x = torch.randn(5, 2, 3)
    with pytest.raises(TypeError, match="h_0 " + conv):
        ln.LayerNormGRU(3, 8)(x, torch.zeros(1, 2, 8, dtype=dtype))
    with pytest.raises(TypeError, match="c_0 " + conv):
        ln.LayerNormLSTM(3, 8)(x, (torch.zeros(1, 2, 8), torch.zeros(1, 2, 8, dtype=dtype)))
    with pytest.raises(TypeError, match="hx " + conv):
        ln.LayerNormRNNCell(3, 8)(x[0], torch.zeros(2, 8, dtype=dtype))
    with pytest.raises(TypeError, match="floating point"):
        ln.LayerNorm(8)(torch.ones(2, 8, dtype=torch.long))
    if dtype == torch.float64:  # converting the module, as the message says, works
        assert ln.LayerNorm(8).double()(torch.randn(2, 8, dtype=dtype)).dtype == dtype
        assert ln.LayerNorm(8, elementwise_affine=False)(torch.randn(2, 8, dtype=dtype)).dtype == dtype


def test_wrong_rank_and_unknown_options():
    with pytest.raises(ValueError, match="last dimension must be 8"):
        ln.LayerNorm(8)(torch.tensor(1.0))
    with pytest.raises(TypeError, match="input must be a tensor"):
        ln.LayerNorm(8)([0.0] * 8)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="input_size=3"):
        ln.LayerNormLSTMCell(3, 8)(torch.tensor(1.0))
    with pytest.raises(TypeError, match=r"LayerNormLSTM got unknown option\(s\) \['foo'\]"):
        ln.LayerNormLSTM(3, 8, foo=1)
    with pytest.raises(TypeError, match=r"LayerNormGRU got unknown option\(s\) \['norm_cell'\]"):
        ln.LayerNormGRU(3, 8, norm_cell=False)  # an LSTM-only option
    with pytest.raises(TypeError, match="unknown option"):
        ln.from_torch(torch.nn.LSTM(3, 8), foo=1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        ln.LayerNormLSTMCell(3, 8, foo=1)  # type: ignore[call-arg]


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


@pytest.mark.parametrize("cls", [ln.LayerNormLSTM, ln.LayerNormGRU, ln.LayerNormRNN])
@pytest.mark.parametrize("flag", ["batch_first", "bidirectional", "bias"])
def test_boolean_flags_must_be_bools(cls, flag):
    """A truthy string (batch_first='no') was taken as True without a word."""
    with pytest.raises(TypeError, match=rf"{flag} must be a bool, got str 'no'"):
        cls(3, 8, **{flag: "no"})


@pytest.mark.gpu
def test_input_on_the_wrong_device():
    """Issue #25: an LN-LSTM on CUDA given a CPU sequence or a CPU initial state: a clear error naming devices."""
    from paperzoo_shared.testing import check_wrong_device

    lstm = ln.LayerNormLSTM(3, 5).cuda()
    x = torch.randn(4, 2, 3)
    want = lstm(x.cuda())[0]
    assert check_wrong_device(lambda: lstm(x)[0], want) in ("clear", "sensible")
    h0 = (torch.zeros(1, 2, 5), torch.zeros(1, 2, 5))
    assert check_wrong_device(lambda: lstm(x.cuda(), h0)[0], want) in ("clear", "sensible")
    cell = ln.LayerNormLSTMCell(3, 5).cuda()
    assert check_wrong_device(lambda: cell(x[0])[0], cell(x[0].cuda())[0]) in ("clear", "sensible")
