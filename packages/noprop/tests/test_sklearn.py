import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from noprop.sklearn import NoPropClassifier  # noqa: E402

# Each skipped check with its reason (the estimator runs in a tiny configuration to keep this fast):
EXPECTED_FAILED = {
    "check_classifiers_train": (
        "asks for >= 0.83 training accuracy on its blob data; the deliberately tiny configuration used here "
        "(T=1, 8 hidden units, 1 epoch, to keep the test in seconds) does not train that far. "
        "test_classifier_accuracy_on_blobs checks learning with a real configuration."
    ),
}


@pytest.mark.parametrize("variant", ["dt", "ct"])
def test_check_estimator(variant):
    est = NoPropClassifier(variant, T=1, hidden=8, epochs=1, batch_size=64, n_steps=2, random_state=0)
    results = check_estimator(est, expected_failed_checks=EXPECTED_FAILED, on_fail=None)
    failed = [r for r in results if r["status"] == "failed"]
    assert not failed, [(r["check_name"], str(r["exception"])[:200]) for r in failed]


def test_classifier_accuracy_on_blobs():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=120, centers=3, n_features=4, random_state=0)
    y = np.array(["a", "b", "c"])[y]
    for variant in ("dt", "ct", "fm"):
        clf = NoPropClassifier(
            variant, T=3, hidden=16, epochs=20, batch_size=32, lr=1e-2, n_steps=10, random_state=0
        )
        clf.fit(X, y)
        assert clf.score(X, y) > 0.85, (variant, clf.score(X, y))
        assert clf.predict_proba(X).shape == (120, 3)
        assert set(clf.predict(X)) <= {"a", "b", "c"}


def test_classifier_contract_and_errors():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with pytest.raises(NotFittedError):
        NoPropClassifier().predict(X)
    with pytest.raises(ValueError, match="variant"):
        NoPropClassifier("xx").fit(X, y)
    a = NoPropClassifier(T=2, hidden=8, epochs=2, random_state=3).fit(X, y).predict_proba(X)
    b = NoPropClassifier(T=2, hidden=8, epochs=2, random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    clf = NoPropClassifier(T=2, hidden=8, epochs=1, embedding="learned", embed_dim=5, random_state=0).fit(
        X, y
    )
    assert clf.model_.embedding.dim == 5 and clf.n_features_in_ == 3


def test_lazy_top_level_name():
    import noprop

    assert noprop.NoPropClassifier is NoPropClassifier
    with pytest.raises(AttributeError, match="no attribute"):
        noprop.DoesNotExist  # noqa: B018
