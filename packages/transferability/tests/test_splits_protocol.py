"""Class splits, the protocol runner, determinism and the derived numbers."""

import dataclasses

import numpy as np
import pytest
import torch
from helpers import small_exp

import transferability as tf


def test_split_classes_is_a_deterministic_partition():
    a, b = tf.split_classes(10, 3)
    assert len(a) == 5 and sorted(a + b) == list(range(10)) and not set(a) & set(b)
    assert (a, b) == tf.split_classes(list(range(10)), 3) and a == sorted(a)
    assert tf.split_classes(10, 4) != (a, b)
    # the official make_reduced_dataset.py draw: numpy seed s, random.choice(K, K/2, replace=False)
    np.random.seed(3)
    assert a == sorted(np.random.choice(10, 5, replace=False).tolist())
    assert len(tf.split_classes(7, 0)[0]) == 3


def test_subset_reindexes_in_sorted_order():
    X = torch.arange(6.0)[:, None]
    y = torch.tensor([7, 2, 9, 2, 7, 5])
    Xs, ys = tf.subset(X, y, [9, 2, 7])
    assert ys.tolist() == [1, 0, 2, 0, 1] and Xs.flatten().tolist() == [0, 1, 2, 3, 4]


def test_semantic_split():
    a, b = tf.semantic_split(6, [4, 0, 2])
    assert a == [0, 2, 4] and b == [1, 3, 5]


def test_experiment_runs_every_cell_and_is_deterministic():
    exp = small_exp(treatments=list(tf.Treatment)[1:], n_values=(2,))
    res = exp.run()
    assert len(res) == 2 + 5 * 2
    assert {r.treatment for r in res} == {"base", "BnB", "BnB+", "AnB", "AnB+", "random"}
    assert all(0 <= r.accuracy <= 1 for r in res)
    again = small_exp(treatments=list(tf.Treatment)[1:], n_values=(2,))
    for r in res[-3:]:  # a fresh experiment retrains bases and cells to the same numbers
        assert again.run_cell(r.split_seed, r.seed, r.source, r.target, r.treatment, r.n) == r


def test_cache_dir_resumes(tmp_path):
    res = small_exp(n_values=(1,), cache_dir=tmp_path).run()
    assert len(list(tmp_path.glob("base_*.pt"))) == 2 and len(list(tmp_path.glob("cell_*.json"))) == 8
    exp = small_exp(n_values=(1,), cache_dir=tmp_path, train_fn=lambda *a, **k: pytest.fail("retrained"))
    assert [dataclasses.astuple(r) for r in exp.run()] == [dataclasses.astuple(r) for r in res]


def test_low_data_trains_targets_on_few_images():
    res = small_exp(n_values=(1,), target_train_per_class=4, treatments=("AnB+",)).run()
    assert {r.n_train for r in res} == {12}  # 3 classes x 4 images


@pytest.mark.slow
def test_processes_give_the_same_numbers():
    from paperzoo_shared.runner import threads

    with threads(1):  # workers run one torch thread each; float sums can depend on the thread count
        one = small_exp(n_values=(1, 2)).run()
    two = small_exp(n_values=(1, 2)).run(n_jobs=2)
    assert [dataclasses.astuple(r) for r in one] == [dataclasses.astuple(r) for r in two]


def _r(t, n, acc, target="B"):
    return tf.TransferResult(0, 0, "A" if target == "B" else "B", target, t, n, acc, 10, 10)


def test_effects_and_boosts_closed_form():
    res = [
        _r("base", 0, 0.9),
        _r("BnB", 1, 0.88),
        _r("AnB", 1, 0.85),
        _r("AnB+", 1, 0.93),
        _r("AnB+", 2, 0.95),
        _r("base", 0, 0.8, "A"),
        _r("AnB+", 1, 0.82, "A"),
    ]
    e = tf.effects(res)
    assert e[1]["coadaptation"] == pytest.approx(-0.02) and e[1]["specificity"] == pytest.approx(-0.03)
    assert e[1]["boost"] == pytest.approx((0.03 + 0.02) / 2)
    b = tf.boosts(res, ranges=((1, 2), (2, 2), (3, 4)))
    assert b[0]["mean_boost"] == pytest.approx((0.03 + 0.05 + 0.02) / 3) and b[0]["n_nets"] == 3
    assert b[2]["mean_boost"] is None
    c = tf.curves(res)
    assert c["AnB+"][1]["mean"] == pytest.approx(0.875) and c["base"][0]["n"] == 2


def test_plot_draws(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    fig = tf.plot_transfer([_r("base", 0, 0.9), _r("AnB", 1, 0.85), _r("AnB", 2, 0.8)], title="t")
    fig.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0
