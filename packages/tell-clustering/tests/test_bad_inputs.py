"""Bad input gets a clear error naming the argument and what was expected."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from tell_clustering import ClusterLayer, ConvAutoencoder, MLPAutoencoder, TELLClustering
from tell_clustering.reproduce import deep, online, shallow

X = np.random.default_rng(0).normal(size=(20, 3))


def test_more_clusters_than_samples():
    with pytest.raises(ValueError, match="n_samples=20 should be >= n_clusters=21"):
        TELLClustering(21).fit(X)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_are_refused(value):
    Xb = X.copy()
    Xb[3, 1] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        TELLClustering(2).fit(Xb)


def test_sparse_and_1d_and_wrong_width():
    with pytest.raises(TypeError, match="dense"):
        TELLClustering(2).fit(sp.csr_matrix(X))
    with pytest.raises(ValueError, match="2D"):
        TELLClustering(2).fit(X[:, 0])
    m = TELLClustering(2, max_epochs=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :2])


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_clusters=0), "n_clusters"),
        (dict(cluster_weight=-1.0), "cluster_weight"),
        (dict(max_epochs=0), "max_epochs"),
        (dict(batch_size=0), "batch_size"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(init="kmeans"), "init"),
        (dict(init=np.zeros((3, 3))), r"init array must have shape"),
        (dict(spherical="yes"), "spherical"),
        (dict(encoder="resnet"), "encoder"),
        (dict(encoder="mlp", optimizer="lloyd"), "lloyd"),
        (dict(lr=0.0), "lr"),
    ],
)
def test_bad_parameters(kw, match):
    kw = {"n_clusters": 2, **kw}
    with pytest.raises(ValueError, match=match):
        TELLClustering(**kw).fit(X)


def test_conv_needs_an_image_shape():
    with pytest.raises(ValueError, match="image_shape"):
        TELLClustering(2, encoder="conv").fit(X)
    with pytest.raises(ValueError, match="image_shape"):
        TELLClustering(2, encoder="conv", image_shape=(1, 4, 4)).fit(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message without CUDA")
def test_cuda_without_cuda():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        TELLClustering(2, device="cuda").fit(X)


def test_modules_validate():
    with pytest.raises(ValueError, match="n_clusters"):
        ClusterLayer(0, 3)
    with pytest.raises(ValueError, match="alpha"):
        ClusterLayer(2, 3, alpha=0.0)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        ClusterLayer(2, 3)(torch.randn(4, 2))
    with pytest.raises(ValueError, match="dropout"):
        MLPAutoencoder(4, dropout=1.0)
    with pytest.raises(ValueError, match="multiples of 4"):
        ConvAutoencoder(1, 10)


def test_unfitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TELLClustering(2).predict(X)
    with pytest.raises(ValueError, match="encoder"):
        TELLClustering(2, max_epochs=1, random_state=0).fit(X).decode_centers()


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="shallow.datasets"):
        shallow.Config(datasets=("mnist",))
    with pytest.raises(ValueError, match="online.batch_size"):
        online.Config(batch_size=0)
    with pytest.raises(ValueError, match="deep.lr"):
        deep.Config(lr=0.0)
