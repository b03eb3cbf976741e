"""The cpu preset's protocol, budgets, baselines and thresholds, pinned to what they are. They differ from the
spec where the README says so: the adding problem's training protocol was re-fixed once, for every model alike,
under issue #12 (the spec's left every model at the trivial MSE), and the studies use one torch thread. Digits run
the spec's three seeds (issue #22 review; the committed cpu results predate that and used one). Change a value
here only with the spec (or an issue's review) saying so, never after seeing a result."""

import dataclasses
import json
from pathlib import Path

from lssl.reproduce import PRESETS, adding, digits, equivalence

CPU = {
    "equivalence": equivalence.Config(H=64, N=64, batch=16, lengths=(256, 1024), speedup_min=10.0, threads=1),
    # the adding problem: the spec's task and model (L = 512; 2 layers H = 32, N = 64; dt in [1e-3, 1e-1]; GRU(64);
    # its 0.02 bar and 5x fallback) with the training protocol re-fixed once under issue #12, for LegS, random A and
    # the GRU alike, because the spec's (800 AdamW steps of batch 32 at lr 4e-3, GELU, no GLU, constant lr) left
    # every model at the trivial "predict 1" MSE. The re-fixed values are the ones below that differ from the
    # spec's: steps, batch, lr, lr drop, activation, postact.
    "adding": adding.Config(
        L=512,
        steps=2000,
        batch=64,
        lr=1e-2,
        lr_drop_at=0.8,
        lr_drop=0.2,
        activation="relu",
        postact="glu",
        H=32,
        N=64,
        layers=2,
        n_test=512,
        gru_hidden=64,
        mse_max=0.02,
        control_min=0.05,
        n_seeds=None,  # the spec's three seeds
        threads=1,
    ),
    "digits": digits.Config(
        size=8,
        H=64,
        N=64,
        layers=4,
        epochs=40,
        batch=50,
        lr=4e-3,
        dropout=0.1,
        pool="mean",
        dt_min=1e-3,
        dt_max=1e-1,
        acc_min=0.94,
        perm_gap_min=0.03,
        learned_tol=0.01,
        n_seeds=None,  # the spec's mean of three seeds (issue #22 review; the first cpu run used one)
        learned_n_seeds=None,  # the learned-A model on the same three seeds
        threads=1,
    ),
}


def test_cpu_preset_is_pinned():
    cpu = PRESETS["cpu"]
    assert cpu.seeds == (0, 1, 2)
    assert dict(cpu.studies) == CPU


# the spec's adding protocol (800 AdamW steps of batch 32 at lr 4e-3, constant lr, GELU, plain output linear)
SPEC_ADDING = adding.Config(steps=800, batch=32, lr=4e-3, lr_drop_at=None, activation="gelu", postact="none")


def test_cpu_adding_protocol_differs_from_the_spec_only_where_refixed():
    """The cpu adding protocol is the spec's except for the training values re-fixed once under issue #12
    (the spec's left LegS, random A and the GRU alike at the trivial MSE); task, model sizes, seeds and both
    criteria (LegS < 0.02; else LegS >= 5x below random A when a control learns) are the spec's."""
    cpu, spec = dataclasses.asdict(CPU["adding"]), dataclasses.asdict(SPEC_ADDING)
    changed = {k for k in cpu if cpu[k] != spec[k]}
    assert changed == {"steps", "batch", "lr", "lr_drop_at", "activation", "postact"}


def test_cpu_adding_models_follow_the_refixed_protocol():
    """The adding models of the protocol re-fixed under issue #12 (not the spec's: the spec's training protocol
    left every model at the trivial MSE, so it was re-fixed once for all three models alike): the spec's model
    (2 layers H=32 N=64, fixed A and dt in [1e-3, 1e-1], last-step readout, GRU(64)) with the official
    codebase's GLU output and a ReLU activation, the same for LegS and random A."""
    c = CPU["adding"]
    add = adding.adding_model("lssl_legs", c)
    layer = add.blocks[0].layer
    assert add.pool == "last" and layer.learn_A == "fixed" and len(add.blocks) == 2
    assert layer.postact == "glu" and layer.activation_name == "relu"
    assert adding.adding_model("lssl_random", c).blocks[0].layer.postact == "glu"
    assert layer.dt().min() >= 1e-3 and layer.dt().max() <= 1e-1
    assert adding.adding_model("gru", c).pool == "last"


def test_cpu_digits_models_follow_the_spec():
    """The digits models of the spec's protocol: 4 layers H=N=64, pre-norm, mean pooling; learned A shared."""
    dig = digits.digits_model("lssl_legs", CPU["digits"])
    assert dig.pool == "mean" and dig.prenorm and dig.blocks[0].layer.d_state == 64 and len(dig.blocks) == 4
    learned = digits.digits_model("lssl_learned", CPU["digits"]).blocks[0].layer
    assert learned.learn_A == "shared"


# values the committed results/cpu.json was run with before a review changed the pin, until the cpu preset is
# rerun: (study, field) -> the committed value. Issue #22 review: digits run the spec's three seeds; the committed
# run used one. Empty this once the rerun is committed (the test below then fails as a reminder).
PENDING_RERUN: dict[tuple[str, str], object] = {}  # the issue #22 rerun is committed


def test_committed_results_record_the_pinned_protocol():
    """results/cpu.json was run with exactly the pinned configs, except for the values of PENDING_RERUN (a
    review's change not yet rerun), which must still hold their committed values."""
    path = Path(__file__).resolve().parents[1] / "results" / "cpu.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert tuple(data["seeds"]) == PRESETS["cpu"].seeds
    pinned = json.loads(json.dumps({k: dataclasses.asdict(v) for k, v in CPU.items()}))  # tuples: JSON lists
    committed = json.loads(json.dumps(data["config"]))
    for (study, field), old in PENDING_RERUN.items():
        assert committed[study][field] != pinned[study][field], f"rerun committed: drop {(study, field)}"
        assert committed[study][field] == old
        committed[study][field] = pinned[study][field]
    assert committed == pinned
