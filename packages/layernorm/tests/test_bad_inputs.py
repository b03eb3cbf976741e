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
