"""TELLClustering: Lloyd equivalence with scikit-learn, invariances, online mode, deep mode, checkpoints."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from tell_clustering import TELL, TELLClustering, clustering_accuracy, evaluate


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(600, n_features=2, centers=8, cluster_std=1.5, center_box=(-10, 10), random_state=0)
    return X, y


def test_full_batch_lloyd_equals_sklearn_lloyd(blobs):
    X, _ = blobs
    c0 = X[np.random.default_rng(0).choice(len(X), 8, replace=False)]
    ours = TELLClustering(8, init=c0, optimizer="lloyd", batch_size=None, max_epochs=300, tol=1e-12).fit(X)
    ref = KMeans(8, init=c0, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-6)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-9)
    assert all(b <= a + 1e-9 for a, b in zip(ours.loss_curve_, ours.loss_curve_[1:]))  # monotone


def test_one_epoch_is_one_lloyd_step(blobs):
    X, _ = blobs
    c0 = X[:8].copy()
    ours = TELLClustering(8, init=c0, optimizer="lloyd", batch_size=None, max_epochs=1).fit(X)
    ref = KMeans(8, init=c0, n_init=1, algorithm="lloyd", max_iter=1).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-6)


def test_minibatch_adam_reaches_kmeans_quality(blobs):
    X, y = blobs
    from sklearn.cluster import kmeans_plusplus

    m = TELL(8, random_state=0, max_epochs=60).fit(X)  # k-means++ from random_state=0 ...
    km = KMeans(8, n_init=1, init=kmeans_plusplus(X, 8, random_state=0)[0]).fit(X)  # ... the same centres
    assert adjusted_rand_score(y, m.labels_) > 0.5
    assert m.inertia_ <= 1.05 * km.inertia_


def test_api_consistency(blobs):
    X, _ = blobs
    m = TELLClustering(8, random_state=1, max_epochs=20).fit(X)
    np.testing.assert_array_equal(m.labels_, m.predict(X))
    np.testing.assert_array_equal(m.transform(X).argmin(1), m.predict(X))
    assert m.score(X) == pytest.approx(-m.inertia_)
    assert m.cluster_centers_.shape == (8, 2) and m.cluster_centers_.dtype == np.float64
    ev = m.cluster_evidence(X[:5])
    assert ev.shape == (5, 8, 2)
    W, b = m.cluster_layer_.weight.numpy(), m.cluster_layer_.bias.numpy()
    np.testing.assert_allclose(ev.sum(-1) + b, X[:5] @ W.T + b)
    np.testing.assert_allclose(W, 2 * m.cluster_centers_)


def test_translation_moves_the_centres(blobs):
    X, _ = blobs
    a = TELLClustering(8, random_state=0, max_epochs=15, optimizer="lloyd", batch_size=None).fit(X)
    b = TELLClustering(8, random_state=0, max_epochs=15, optimizer="lloyd", batch_size=None).fit(X + 5.0)
    np.testing.assert_allclose(b.cluster_centers_, a.cluster_centers_ + 5.0, atol=1e-8)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_shuffling_the_samples_gives_the_same_partition(blobs):
    X, _ = blobs
    perm = np.random.default_rng(0).permutation(len(X))
    c0 = X[:8].copy()
    a = TELLClustering(8, init=c0, optimizer="lloyd", batch_size=None).fit(X)
    b = TELLClustering(8, init=c0, optimizer="lloyd", batch_size=None).fit(X[perm])
    assert adjusted_rand_score(a.labels_[perm], b.labels_) == pytest.approx(1.0)


def test_metrics_are_permutation_invariant():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    p = np.array([5, 5, 3, 3, 9, 9, 3])
    relabel = {5: 1, 3: 0, 9: 7}
    q = np.array([relabel[v] for v in p])
    assert clustering_accuracy(y, p) == pytest.approx(6 / 7)
    assert evaluate(y, p) == pytest.approx(evaluate(y, q))
    assert evaluate(y, y) == {"acc": 1.0, "nmi": 1.0, "ari": 1.0}


def test_duplicate_points_warn_and_stay_finite():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 10, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        m = TELLClustering(4, random_state=0, max_epochs=5).fit(X)
    assert np.isfinite(m.cluster_centers_).all() and np.isfinite(m.transform(X)).all()


def test_partial_fit_is_macqueen_online_kmeans(blobs):
    X, y = blobs
    m = TELLClustering(8, random_state=0)
    rng = np.random.default_rng(0)
    for _ in range(3):
        for idx in np.array_split(rng.permutation(len(X)), len(X) // 64):
            m.partial_fit(X[idx])
    assert m.counts_.sum() == pytest.approx(3 * len(X))
    assert adjusted_rand_score(y, m.predict(X)) > 0.5
    m.fit(X)  # a fit after partial_fit starts afresh
    assert m.n_steps_ == 0


def test_spherical_shallow_keeps_unit_centres(blobs):
    X, _ = blobs
    m = TELLClustering(4, spherical=True, random_state=0, max_epochs=10).fit(X)
    np.testing.assert_allclose(np.linalg.norm(m.cluster_centers_, axis=1), 1.0, atol=1e-9)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0)[:600], y[:600]


def deep(**kw):
    base = dict(
        encoder="mlp",
        hidden=(32,),
        dropout=0.0,
        batch_size=128,
        max_epochs=4,
        ae_warmup_epochs=2,
        random_state=0,
    )
    return TELLClustering(10, **{**base, **kw})


def test_deep_mode_shapes_and_unit_centres(digits):
    X, _ = digits
    m = deep().fit(X)
    assert m.spherical_ is True
    np.testing.assert_allclose(np.linalg.norm(m.cluster_centers_, axis=1), 1.0, atol=1e-5)
    assert m.decode_centers().shape == (10, 64)
    assert m.transform(X[:7]).shape == (7, 10)
    assert len(m.loss_curve_) == 6
    np.testing.assert_array_equal(m.labels_, m.predict(X))


def test_deep_fit_leaves_the_global_rng_alone(digits):
    X, _ = digits
    torch.manual_seed(123)
    expect = torch.rand(3)
    torch.manual_seed(123)
    deep(max_epochs=1).fit(X)
    torch.testing.assert_close(torch.rand(3), expect)


def test_conv_encoder(digits):
    X, _ = digits
    m = TELLClustering(10, encoder="conv", max_epochs=1, batch_size=200, latent_dim=6, random_state=0).fit(
        X[:200]
    )
    assert m.image_shape_ == (1, 8, 8) and m.decode_centers().shape == (10, 64)


def test_checkpoint_resumes_exactly(digits, tmp_path):
    X = digits[0][:300]
    full = deep(max_epochs=4, dropout=0.1).fit(X)
    ck = tmp_path / "tell.pt"
    deep(max_epochs=2, dropout=0.1, checkpoint=str(ck)).fit(X)  # "interrupted" after 2 epochs
    resumed = deep(max_epochs=4, dropout=0.1, checkpoint=str(ck)).fit(X)  # resumes at epoch 2 + 2 warm-up
    np.testing.assert_allclose(resumed.cluster_centers_, full.cluster_centers_, atol=1e-6)
    np.testing.assert_allclose(resumed.loss_curve_, full.loss_curve_, rtol=1e-5)
    with pytest.raises(ValueError, match="another configuration"):
        deep(max_epochs=4, cluster_weight=0.5, checkpoint=str(ck)).fit(X)


def test_deep_partial_fit(digits):
    X, _ = digits
    m = deep()
    for i in range(4):
        m.partial_fit(X[i * 128 : (i + 1) * 128])
    assert m.n_steps_ == 4 and m.predict(X).shape == (600,)


def test_user_module_is_not_modified(digits):
    from tell_clustering import MLPAutoencoder

    X, _ = digits
    ae = MLPAutoencoder(64, hidden=(16,), latent=10, dropout=0.0)
    before = {k: v.clone() for k, v in ae.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = TELLClustering(10, encoder=ae, max_epochs=2, random_state=0).fit(X)
    for k, v in ae.state_dict().items():
        torch.testing.assert_close(v, before[k])
    assert m.net_.autoencoder is not ae
