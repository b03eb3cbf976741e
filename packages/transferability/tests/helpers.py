import functools

import torch
from torch import nn

import transferability as tf


def bn_mlp(num_classes, seed=None, width=16):
    """A Sequential with BatchNorm and Dropout inside the groups (3 groups)."""
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(8, width),
        nn.BatchNorm1d(width),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(width, width),
        nn.BatchNorm1d(width),
        nn.ReLU(),
        nn.Linear(width, num_classes),
    )


def blobs(n_classes=6, per_class=30, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(n_classes, dim, generator=g) * 3
    y = torch.arange(n_classes).repeat_interleave(per_class)
    X = centers[y] + torch.randn(len(y), dim, generator=g)
    return X, y


def small_exp(**kw):
    X, y = blobs()
    kw.setdefault("train_fn", functools.partial(tf.default_train, epochs=3, batch_size=32))
    return tf.TransferExperiment(functools.partial(bn_mlp, width=8), X, y, **kw)
