import copy

import pytest
import torch

import darts_pt as pt
from darts_core import CellSpace, Supernet, TensorLoader, nb_digits_space

TINY = CellSpace(
    "tiny2in",
    n_inputs=2,
    n_nodes=2,
    primitives=("none", "skip_connect", "nor_conv_3x3", "avg_pool_3x3"),
    topk=2,
    exclude=("none",),
    output="concat",
)  # edges: 0->2, 1->2, 0->3, 1->3, 2->3 ; node 1 (global 3) has 3 inputs -> one topology decision


def _data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 8, 8, generator=g)


def _supernet(space=None, seed=0, **kw):
    torch.manual_seed(seed)
    space = space or nb_digits_space()
    if space.n_inputs == 2:
        kw.setdefault("reductions", ())
    model = Supernet(space, C=4, layers=1, in_channels=1, num_classes=10, **kw)
    return model


def _label_with(model, x, weights, batch_size=32):
    """Labels = the supernet's own predictions under ``weights`` (train-mode BN on the same fixed batches)."""
    ys, feats = [], []
    loader = TensorLoader(x, torch.zeros(len(x), dtype=torch.long), batch_size=batch_size, shuffle=False)
    from darts_core import batch_stats_bn

    hook = model.classifier.register_forward_hook(lambda m, inp, out: feats.append(inp[0]))
    with torch.no_grad(), batch_stats_bn(model):
        for xb, _ in loader:
            model(xb, weights=weights)
        hook.remove()
        h = torch.cat(feats)  # centre and sharpen the random classifier so that the labels are diverse
        model.classifier.weight.div_(h.std(0).clamp_min(1e-6))
        model.classifier.bias.copy_(-model.classifier.weight @ h.mean(0))
        for xb, _ in loader:
            ys.append(model(xb, weights=weights).argmax(1))
    return TensorLoader(x, torch.cat(ys), batch_size=batch_size, shuffle=False)


def _onehot_weights(space, choice):
    w = torch.zeros(space.alpha_shape)
    for e, k in enumerate(choice):
        if k is not None:
            w[e, k] = 1.0
    return {"normal": w}


@pytest.mark.parametrize("metric", ["acc", "loss"])
@pytest.mark.parametrize("k_true", [2, 4])
def test_known_answer_informative_op(metric, k_true):
    """Only op k_true of edge 2 carries signal (labels come from that sub-network): PT must keep it."""
    space = nb_digits_space()
    model = _supernet(space)
    W = _onehot_weights(space, [3, None, None])  # node 2 sees only edge 1->2
    W["normal"][2, k_true] = 1.0
    val = _label_with(model, _data(), W)
    assert len(val.y.unique()) >= 3
    m = pt.perturbation_metrics(model, val, 2, weights=W)
    assert m["acc"].shape == (5,)
    others = [k for k in range(5) if k != k_true]
    assert torch.all(m["acc"][others] == 1.0)  # removing a weight-0 op changes nothing
    assert m["acc"][k_true] < 1.0
    scores = pt.perturbation_scores(model, val, 2, weights=W, metric=metric)
    assert pt.select_op(scores, metric) == k_true


def test_scores_equal_subnetwork_accuracy():
    """One-hot α: removing op k = removing the edge; the score equals the accuracy of that sub-network."""
    space = nb_digits_space()
    model = _supernet(space, seed=1)
    W = _onehot_weights(space, [3, 1, 2])
    val = _label_with(model, _data(seed=1), _onehot_weights(space, [3, 2, 2]))
    scores = pt.perturbation_scores(model, val, 1, weights=W)
    sub = _onehot_weights(space, [3, None, 2])
    assert scores[1] == pt.evaluate_weights(model, val, sub)["acc"]
    base = pt.evaluate_weights(model, val, W)["acc"]
    assert torch.all(scores[[0, 2, 3, 4]] == base)


def test_mask_does_not_renormalise():
    w = torch.softmax(torch.randn(3, 5), -1)
    m = pt.mask_op(w, 1, 3)
    torch.testing.assert_close(m[1].sum(), 1 - w[1, 3])
    torch.testing.assert_close(m[[0, 2]], w[[0, 2]])
    assert m[1, 3] == 0 and w[1, 3] > 0  # input untouched
    assert torch.all(pt.mask_op(w, 0)[0] == 0)


def test_select_op_sign_and_ties():
    acc = torch.tensor([0.9, 0.5, 0.7, 0.5])
    loss = torch.tensor([0.1, 0.8, 0.3, 0.9])
    assert pt.select_op(acc, "acc") == 1  # lowest accuracy after removal = most important
    assert pt.select_op(acc, "acc", tie_break=loss) == 3  # tie -> higher loss
    assert pt.select_op(loss, "loss") == 3  # highest loss after removal
    assert pt.select_op(torch.tensor([0.2, 0.2]), "loss", tie_break=torch.tensor([0.9, 0.4])) == 1


def test_bn_running_stats_untouched_and_mode_restored():
    model = _supernet()
    model.train()
    _ = model(_data(16))  # populate running stats
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    val = TensorLoader(_data(32), torch.randint(0, 10, (32,)), batch_size=16, shuffle=False)
    model.eval()
    pt.perturbation_scores(model, val, 0)
    assert not model.training
    model.train()
    pt.perturbation_scores(model, val, 0)
    assert model.training
    after = {k: v for k, v in model.state_dict().items() if "running" in k}
    for k in before:
        torch.testing.assert_close(before[k], after[k])


def test_topology_keeps_the_signal_edges():
    """Node 3 has inputs from 0, 1, 2 (edges 2, 3, 4); labels use edges 3 and 4 only -> edge 2 is dropped."""
    model = _supernet(TINY)
    W = _onehot_weights(TINY, [2, 2, None, 2, 2])
    val = _label_with(model, _data(), W)
    kept = pt.select_topology(model, val, 1, weights=W)
    assert kept == [3, 4]
    assert pt.select_topology(model, val, 0, weights=W) == [0, 1]  # 2 inputs: nothing to drop


def test_schedule_counts_onehot_and_topk():
    model = _supernet(TINY)
    x = _data(64)
    y = torch.randint(0, 10, (64,))
    train = TensorLoader(x[:32], y[:32], batch_size=16, seed=0)
    val = TensorLoader(x[32:], y[32:], batch_size=16, seed=1)
    p = pt.Projector(model, val, train, interval_epochs=2, arch_lr=0.05, seed=0)
    assert p.num_rounds == TINY.num_edges + 1
    assert p.total_tune_epochs == 2 * (TINY.num_edges + 1 - 1) + 1
    first = p.step()[0]
    assert first.kind == "op"
    e, k = first.index, first.choice
    a0 = model.alphas["normal"].detach().clone()
    p.step()
    assert not torch.equal(a0, model.alphas["normal"])  # α keeps training
    w = p.projected_weights()["normal"]
    assert torch.equal(w[e], torch.nn.functional.one_hot(torch.tensor(k), TINY.num_ops).float())
    g = p.run()
    assert p.epochs_tuned == p.total_tune_epochs
    assert [d.kind for d in p.decisions] == ["op"] * TINY.num_edges + ["topology"]
    assert sorted(d.index for d in p.decisions if d.kind == "op") == list(range(TINY.num_edges))
    w = p.projected_weights()["normal"]
    for node in range(TINY.n_nodes):
        nz = (w[list(TINY.node_edges(node))].sum(-1) > 0).sum()
        assert int(nz) == 2
    g.validate(TINY)
    assert p.rule(model.arch_weights(), TINY) == g
    with pytest.raises(pt.ProjectionComplete):
        p.step()


def _run_pt(seed, edge_order="random", update_alpha=True):
    model = _supernet(seed=3)
    x = _data(64, seed=3)
    y = torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(3))
    train = TensorLoader(x[:32], y[:32], batch_size=16, seed=0)
    val = TensorLoader(x[32:], y[32:], batch_size=16, seed=1)
    p = pt.Projector(
        model, val, train, interval_epochs=1, seed=seed, edge_order=edge_order, update_alpha=update_alpha
    )
    return p, p.run(), model


def test_deterministic_for_a_seed_and_ordered_option():
    p1, g1, _ = _run_pt(0)
    p2, g2, _ = _run_pt(0)
    assert g1 == g2 and [d.index for d in p1.decisions] == [d.index for d in p2.decisions]
    assert [d.scores for d in p1.decisions] == [d.scores for d in p2.decisions]
    orders = {tuple(d.index for d in _run_pt(s)[0].decisions) for s in range(6)}
    assert len(orders) > 1  # random edge order depends on the seed
    po, _, _ = _run_pt(0, edge_order="ordered")
    assert [d.index for d in po.decisions] == [0, 1, 2]


def test_fix_alpha_keeps_alpha():
    _, _, model0 = _run_pt(0, update_alpha=False)
    torch.manual_seed(3)
    ref = _supernet(seed=3)
    torch.testing.assert_close(model0.alphas["normal"], ref.alphas["normal"])


def test_state_dict_round_trip_keeps_decisions():
    p, g, model = _run_pt(1)
    clone = copy.deepcopy(model)
    clone.load_state_dict(model.state_dict())
    assert clone.genotype() == model.genotype()
    assert "metric=acc" in repr(p)
