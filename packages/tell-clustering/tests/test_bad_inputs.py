"""Bad input gets a clear error naming the argument and what was expected."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import tell_clustering as tc
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


# ---- issue #25: the bad-input sweep's findings


def test_layer_inputs_named():
    layer = tc.ClusterLayer(3, 4)
    z = torch.randn(5, 4)
    with pytest.raises(TypeError, match="dtype"):
        layer(z.double())
    with pytest.raises(TypeError, match="z must be a torch.Tensor"):
        layer.assign(z.tolist())
    with pytest.raises(TypeError, match="assign"):
        layer.kmeans_loss(z, torch.zeros(5))
    with pytest.raises(ValueError, match="assign holds a cluster index"):
        layer.kmeans_loss(z, torch.full((5,), 7))
    with pytest.raises(ValueError, match="weight"):
        layer.tell_loss(z, weight=-1.0)
    with pytest.raises(TypeError, match="centers"):
        tc.ClusterLayer(3, 4, centers=[[0.0] * 4] * 3)
    with pytest.raises(ValueError, match="NaN"):
        tc.ClusterLayer(3, 4, centers=torch.full((3, 4), float("nan")))


def test_layer_names_the_devices():
    layer = tc.ClusterLayer(3, 4).to("meta")
    with pytest.raises(ValueError, match="device cpu.*device meta"):
        layer(torch.randn(5, 4))


def test_functional_arguments():
    layer, z = tc.ClusterLayer(3, 4), torch.randn(5, 4)
    for bad in (0.0, float("nan")):  # > 2 is allowed (it oscillates: test_layer's negative control)
        with pytest.raises(ValueError, match="step_fraction"):
            tc.lloyd_step_(layer, z, step_fraction=bad)
    with pytest.raises(ValueError, match="counts"):
        tc.lloyd_step_(layer, z, counts=torch.zeros(2))
    with pytest.raises(TypeError, match="ClusterLayer"):
        tc.lloyd_step_(torch.nn.Linear(4, 3), z)
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="scale"):
            tc.normalize_center_grad_(layer, bad)
    with pytest.raises(TypeError, match="z must be"):
        tc.squared_distances(z.tolist(), torch.randn(3, 4))
    with pytest.raises(TypeError, match="dtype"):
        tc.squared_distances(z.double(), torch.randn(3, 4))
    with pytest.raises(ValueError, match="scores"):
        tc.hard_assignment(torch.randn(5))
    with pytest.raises(ValueError, match="NaN"):
        tc.clustering_accuracy([0.0, float("nan")], [0, 1])


def test_autoencoder_and_hidden_arguments():
    with pytest.raises(ValueError, match="in_features"):
        tc.MLPAutoencoder(2.5)
    with pytest.raises(ValueError, match="hidden"):
        tc.MLPAutoencoder(4, hidden=5)
    ae = tc.MLPAutoencoder(4, hidden=(8,))
    with pytest.raises(TypeError, match="dtype"):
        ae.encode(torch.randn(3, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="in_features=4"):
        ae.encode(torch.randn(3, 5))
    X = np.random.default_rng(0).normal(size=(20, 4))
    for hidden in ((8.5,), 8):
        with pytest.raises(ValueError, match="hidden"):
            tc.TELLClustering(2, encoder="mlp", hidden=hidden, max_epochs=1).fit(X)


def test_bad_checkpoints_name_the_file(tmp_path):
    X = np.random.default_rng(0).normal(size=(20, 4))
    kw = dict(encoder="mlp", hidden=(8,), latent_dim=2, batch_size=10, random_state=0)
    ck = tmp_path / "tell.ckpt"
    tc.TELLClustering(2, max_epochs=1, checkpoint=str(ck), **kw).fit(X)
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(ValueError, match="tell.ckpt.*could not be read"):
        tc.TELLClustering(2, max_epochs=2, checkpoint=str(ck), **kw).fit(X)
    with pytest.raises(ValueError, match="directory"):
        tc.TELLClustering(2, max_epochs=1, checkpoint=str(tmp_path), **kw).fit(X)


@pytest.mark.gpu
def test_layer_on_cuda_refuses_a_cpu_input():
    layer = tc.ClusterLayer(3, 4).cuda()
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        layer(torch.randn(5, 4))
    ae = tc.MLPAutoencoder(4, hidden=(8,)).cuda()
    with pytest.raises(ValueError, match="device cpu.*device cuda"):
        ae.encode(torch.randn(3, 4))
    assert layer(torch.randn(5, 4, device="cuda")).shape == (5, 3)
