"""One cell of the protocol (AnB, n = 2, split 0) against a hand-written plain-torch version with the same seeds."""

import functools

import torch
from helpers import blobs
from torch import nn
from torch.nn import functional as F

import transferability as tf
from transferability.protocol import derive_seed


def test_anb_cell_equals_plain_torch():
    X, y = blobs(n_classes=6, per_class=30, dim=8)
    make = functools.partial(tf.digits_mlp, in_features=8, width=16, depth=3)
    train = functools.partial(tf.default_train, epochs=5, batch_size=16, lr=1e-2)
    exp = tf.TransferExperiment(
        make, X, y, n_values=(2,), treatments=("AnB",), train_fn=train, both_directions=False
    )
    ours = [r for r in exp.run() if r.treatment == "AnB"][0]

    # plain torch: the same data split, base net A, copy of layers 1-2, fresh top, frozen bottom
    a, b = tf.split_classes(6, 0)
    Xa, ya = tf.subset(exp.X, exp.y, a)
    Xb, yb = tf.subset(exp.X, exp.y, b)
    Xv, yv = tf.subset(exp.X_val, exp.y_val, b)

    def fit(model, X, y, params, seed):
        gen = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        opt = torch.optim.Adam(params, lr=1e-2)
        model.train()
        for _ in range(5):
            order = torch.randperm(len(X), generator=gen)
            for i in range(0, len(X), 16):
                idx = order[i : i + 16]
                loss = F.cross_entropy(model(X[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return model.eval()

    base_a = make(3, derive_seed(0, 0, "A", "base"))
    fit(base_a, Xa, ya, base_a.parameters(), derive_seed(0, 0, "A", False, "order"))
    cell_seed = derive_seed(0, 0, "A", "B", "AnB", 2)
    net = make(3, cell_seed)
    with torch.no_grad():
        for i in (0, 2):  # Linear 1 and Linear 2 of the Sequential
            net[i].weight.copy_(base_a[i].weight)
            net[i].bias.copy_(base_a[i].bias)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cell_seed)
        for i in (4, 6):
            net[i].reset_parameters()
    for i in (0, 2):
        for p in net[i].parameters():
            p.requires_grad_(False)
    upper = [p for i in (4, 6) for p in net[i].parameters()]
    fit(net, Xb, yb, upper, derive_seed(0, 0, "A", "B", "AnB", 2, "order"))
    with torch.no_grad():
        acc = (net(Xv).argmax(-1) == yv).float().mean().item()
    assert abs(acc - ours.accuracy) < 1e-6 and acc > 0.5  # the same nets: the same correct count
    assert isinstance(net[0], nn.Linear)
