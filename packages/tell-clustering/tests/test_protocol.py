"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to the spec before the first cpu run
(spec ``tell-clustering.md``, "CPU-scale reproduction" and the planner's note of turn 2).

Change a value here only with the spec (or an issue's review) saying so, never after seeing a result.
"""

import json
from pathlib import Path

import pytest

from paperzoo_shared.results import jsonable
from paperzoo_shared.runner import config_dict
from tell_clustering.reproduce import PRESETS, deep, online, shallow


def test_cpu_preset_is_the_specs_protocol():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2, 3, 4)
    assert cpu.threads == 1
    assert cpu.studies == {
        # mini-batch TELL: Adam lr 0.05, batch 256, 100 epochs, k-means++ init shared with KMeans(n_init=1);
        # criterion ARI >= KMeans(same init) - 0.02 on every data set of the spec's table
        "shallow": shallow.Config(
            datasets=("digits", "iris", "iris_std", "wine_std", "wine", "blobs5", "blobs8"),
            epochs=100,
            batch_size=256,
            optimizer="adam",
            lr=0.05,
            kmeans_n_init=10,
            minibatch_n_init=3,
            max_ari_drop=0.02,
        ),
        # partial_fit, batches of 64, 1 and 4 passes; MiniBatchKMeans with max_iter = passes; one-sided 0.05
        "online": online.Config(
            datasets=("digits", "iris", "wine_std", "blobs8"), batch_size=64, passes=(1, 4), max_ari_drop=0.05
        ),
        # MLP AE 64-256-128-10 no dropout, Adam 1e-3, batch 128, 30 warm-up + 150 alternating epochs, spherical,
        # cluster weight 0.01 (0.1 an ablation); two-stage baseline: same AE, same 180 epochs, KMeans(n_init=10)
        "deep": deep.Config(
            hidden=(256, 128),
            latent=10,
            dropout=0.0,
            lr=1e-3,
            batch_size=128,
            warmup_epochs=30,
            epochs=150,
            cluster_weight=0.01,
            ablation_weight=0.1,
            kmeans_n_init=10,
            min_prototypes=7.0,
            n_seeds=None,
        ),
    }


def test_deep_baselines_and_arms():
    # the two-stage baseline is judged on the better of normalised and raw codes (planner's note)
    assert deep.ARMS == ("tell", "tell_ablation", "two_stage_normalised", "two_stage_raw", "kmeans_raw")
    assert shallow.ARMS[:3] == ("tell", "tell_fullbatch", "kmeans_same_init")


def test_committed_cpu_results_are_this_protocol():
    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    if not path.exists():
        pytest.skip("no committed results/cpu.json here (installed wheel)")
    data = json.loads(path.read_text(encoding="utf-8"))
    cpu = PRESETS["cpu"]
    assert data["seeds"] == list(cpu.seeds)
    assert data["config"] == {name: jsonable(config_dict(cfg)) for name, cfg in cpu.studies.items()}
