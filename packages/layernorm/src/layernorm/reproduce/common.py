"""What the digits and invariance studies share: the permuted sequential digits, the (LN-)LSTM classifier and
its training loop."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from layernorm.rnn import LayerNormLSTM
from paperzoo_shared import seed_everything
from paperzoo_shared.data import sequential_digits

KINDS = ("lstm", "ln-lstm")  # nn.LSTM (torch initialisation) and LayerNormLSTM (the paper's defaults)
TARGET_ACC = 0.9  # training accuracy for "epochs_to_90"
PERMUTATION_SEED = 0  # the fixed pixel order and the split of the spec (the same for every training seed)


def permuted_digits() -> tuple[torch.Tensor, ...]:
    """scikit-learn's digits as length-64 sequences of one pixel (/ 16) in one fixed random order, split
    stratified into 1,400 training and 397 test images: ``X_train (1400, 64, 1), y_train, X_test, y_test``.

    scikit-learn's ``train_test_split`` and a ``RandomState`` permutation, as the committed results used.
    """
    return sequential_digits(
        permute=True,
        seed=PERMUTATION_SEED,
        test_size=397,
        splitter="sklearn",
        permutation_rng="legacy",
    )


class Classifier(nn.Module):
    """An (LN-)LSTM over the sequence and a linear head on the last hidden state."""

    def __init__(self, kind: str, input_size: int, hidden: int, n_out: int, eps: float = 1e-5) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.rnn = (
            nn.LSTM(input_size, hidden) if kind == "lstm" else LayerNormLSTM(input_size, hidden, eps=eps)
        )
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (T, B, I)
        _, (h, _) = self.rnn(x)
        return self.head(h[-1])


def train_digits(
    kind: str,
    seed: int,
    data: tuple[torch.Tensor, ...],
    device: torch.device,
    *,
    hidden: int,
    epochs: int,
    lr: float,
    batch_size: int,
    clip: float,
    train_subset: int = 0,
    auc_epochs: int | None = None,
    input_scale: float = 1.0,
    eps: float = 1e-5,
    dtype: torch.dtype = torch.float32,
) -> dict[str, Any]:
    """Train a classifier with Adam and gradient clipping; returns the per-epoch training loss curve, its sum over
    the first ``auc_epochs`` (all epochs for None), the first epoch reaching 90% training accuracy (NaN if none
    does) and the final test accuracy."""
    seed_everything(seed)
    Xtr, ytr, Xte, yte = (t.to(device) for t in data)
    Xtr, Xte = Xtr.to(dtype), Xte.to(dtype)
    if train_subset:
        Xtr, ytr = Xtr[:train_subset], ytr[:train_subset]
    Xtr, Xte = Xtr * input_scale, Xte * input_scale
    model = Classifier(kind, 1, hidden, 10, eps=eps).to(device=device, dtype=dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    losses, accs = [], []
    for _ in range(epochs):
        total, correct = 0.0, 0
        for idx in torch.randperm(len(Xtr), generator=g).split(batch_size):
            xb, yb = Xtr[idx].transpose(0, 1), ytr[idx]
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        losses.append(total / len(Xtr))
        accs.append(correct / len(Xtr))
    with torch.no_grad():
        test_acc = float((model(Xte.transpose(0, 1)).argmax(1) == yte).float().mean())
    reach = next((i + 1 for i, a in enumerate(accs) if a >= TARGET_ACC), float("nan"))
    return {
        "loss_curve": losses,
        "auc": sum(losses[: auc_epochs if auc_epochs is not None else epochs]),
        "epochs_to_90": reach,
        "test_acc": test_acc,
    }
