import copy

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

import darts_core as dc
from darts_core.bench import genotype_from_ops
from darts_core.reproduce.data import digits_splits
from darts_core.reproduce.nb_table import canonical_ops
from darts_core.reproduce.seed_parallel import SeedParallelCellNet

torch.set_num_threads(1)

DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))"
)


def _smooth_conv(C, stride, affine):
    return torch.nn.Sequential(
        torch.nn.Softplus(),
        torch.nn.Conv2d(C, C, 3, stride, 1, bias=False),
        torch.nn.BatchNorm2d(C, affine=affine),
    )


dc.register_op("test_smooth_conv_3x3", _smooth_conv, overwrite=True)
SMOOTH_SPACE = dc.nb_digits_space(primitives=("none", "skip_connect", "avg_pool_3x3", "test_smooth_conv_3x3"))


def tiny_supernet(dtype=torch.float64, C=4, smooth=False):
    """A one-cell supernet; ``smooth`` swaps every ReLU for Softplus (no activation kinks)."""
    torch.manual_seed(0)
    space = SMOOTH_SPACE if smooth else dc.nb_digits_space()
    model = dc.Supernet(space, C=C, layers=1, in_channels=1, num_classes=3).to(dtype)
    if smooth:
        model.head[1] = torch.nn.Softplus()
    with torch.no_grad():
        for a in model.arch_parameters():
            a.normal_(0, 0.5)
    return model


def batches(dtype=torch.float64, n=6):
    g = torch.Generator().manual_seed(1)
    x1, x2 = (
        torch.randn(n, 1, 6, 6, generator=g, dtype=dtype),
        torch.randn(n, 1, 6, 6, generator=g, dtype=dtype),
    )
    y1, y2 = torch.randint(0, 3, (n,), generator=g), torch.randint(0, 3, (n,), generator=g)
    return (x1, y1), (x2, y2)


# ------------------------------------------------------------------------------------------- spaces / shapes


def test_space_shapes_and_cell_channels():
    assert dc.DARTS_SPACE.alpha_shape == (14, 8)
    assert dc.NB201_SPACE.alpha_shape == (6, 5)
    assert dc.nb_digits_space().edges == [(0, 1), (0, 2), (1, 2)]
    assert dc.nb_digits_space().num_architectures() == 125
    model = dc.Supernet(dc.DARTS_SPACE, C=4, layers=5, in_channels=3, num_classes=7)
    assert [tuple(a.shape) for a in model.arch_parameters()] == [(14, 8), (14, 8)]
    x = torch.randn(2, 3, 16, 16)
    s = model.stem(x)
    out = model.cells[0]([s, s], model.arch_weights()["normal"])
    assert out.shape == (2, 4 * 4, 16, 16)  # multiplier 4, C=4
    red = model.cells[model.reductions[0]]
    assert red.reduction
    assert model(x).shape == (2, 7)
    nb = dc.Supernet(dc.NB201_SPACE, C=4, layers=6, in_channels=3)
    assert [tuple(a.shape) for a in nb.arch_parameters()] == [(6, 5)]
    assert nb(torch.randn(2, 3, 16, 16)).shape == (2, 10)


def test_reduction_cell_halves_resolution():
    model = dc.Supernet(dc.DARTS_SPACE, C=4, layers=3, in_channels=3)
    x = torch.randn(2, 3, 8, 8)
    s = model.stem(x)
    c0 = model.cells[0]  # layers//3 = 1 and 2*layers//3 = 2 are reductions
    s1 = c0([s, s], model.arch_weights()["normal"])
    s2 = model.cells[1]([s, s1], model.arch_weights()["reduce"])
    assert s1.shape[-1] == 8 and s2.shape[-1] == 4


def test_zero_and_factorized_reduce():
    x = torch.randn(2, 4, 7, 7)
    z = dc.make_op("none", 4, 2)(x)
    assert z.shape == (2, 4, 4, 4) and z.abs().sum() == 0
    assert dc.make_op("skip_connect", 4, 2)(torch.randn(2, 4, 8, 8)).shape == (2, 4, 4, 4)
    with pytest.raises(ValueError, match="FactorizedReduce needs even channels"):
        dc.make_op("skip_connect", 5, 2)
    with pytest.raises(ValueError, match="FactorizedReduce needs even channels"):
        dc.FactorizedReduce(4, 5)


# ------------------------------------------------------------------------------------------- mixed op


def test_mixed_op_one_hot_equals_single_op_and_weighted_sum():
    torch.manual_seed(0)
    mo = dc.MixedOp(4, 1, dc.DARTS_PRIMITIVES).eval()
    x = torch.randn(3, 4, 8, 8)
    for k in range(len(dc.DARTS_PRIMITIVES)):
        w = F.one_hot(torch.tensor(k), len(dc.DARTS_PRIMITIVES)).float()
        torch.testing.assert_close(mo(x, w), mo.ops[k](x), rtol=0, atol=0)
    w = torch.softmax(torch.randn(8), 0)
    naive = sum(w[k] * op(x) for k, op in enumerate(mo.ops))
    torch.testing.assert_close(mo(x, w), naive)
    torch.testing.assert_close(dc.sparse_weighted_sum(w, x, mo.ops), naive)
    same = dc.MixedOp(4, 1, ["skip_connect", "skip_connect", "skip_connect"])
    torch.testing.assert_close(same(x, torch.tensor([0.2, 0.3, 0.5])), x)


def test_register_op_extends_the_op_set():
    dc.register_op(
        "test_scale2",
        lambda C, stride, affine: (
            torch.nn.Upsample(scale_factor=1) if stride == 1 else dc.make_op("none", C, stride)
        ),
        parameter_free=True,
        overwrite=True,
    )
    space = dc.nb_digits_space(primitives=("none", "test_scale2", "nor_conv_3x3"))
    model = dc.Supernet(space, C=4, layers=1, in_channels=1)
    assert model(torch.randn(2, 1, 8, 8)).shape == (2, 10)
    assert "test_scale2" in dc.PARAMETER_FREE
    with pytest.raises(ValueError, match="already registered"):
        dc.register_op("test_scale2", lambda C, s, a: torch.nn.Identity())


def test_supernet_gradcheck_wrt_alpha_float64():
    model = tiny_supernet(C=2)
    (x, y), _ = batches(n=4)
    alpha = model.alphas["normal"].detach().clone().requires_grad_(True)

    def f(a):
        return model(x, {"normal": torch.softmax(a, -1)})

    assert torch.autograd.gradcheck(f, (alpha,), eps=1e-6, atol=1e-5)


# ------------------------------------------------------------------------------------------- genotype


def test_genotype_never_selects_none_and_ranks_on_softmax():
    space = dc.DARTS_SPACE
    alpha = torch.zeros(14, 8)
    alpha[:, 0] = 10.0  # 'none' is the largest everywhere
    alpha[:, 4] = 1.0  # sep_conv_3x3 is the best non-none op
    g = dc.derive_genotype({"normal": torch.softmax(alpha, -1)}, space)
    assert "none" not in g.ops() and set(g.ops()) == {"sep_conv_3x3"}
    # khanrc/pt.darts #38: node 1 (edges 2, 3, 4) must keep inputs 2 and 0 (softmax), not 2 and 1 (raw α)
    alpha = torch.zeros(14, 8)
    alpha[2] = torch.tensor([1.0, 1, 1, 1, 5, 1, 1, 1])
    alpha[3] = torch.tensor([10.0, 10, 10, 11, 10, 10, 10, 10])
    alpha[4] = torch.tensor([10.0, 15, 10, 10, 10, 10, 10, 10])
    g = dc.derive_genotype({"normal": torch.softmax(alpha, -1)}, space)
    assert g.normal[1] == (("max_pool_3x3", 2), ("sep_conv_3x3", 0))


def test_genotype_known_from_hand_set_alphas():
    space = dc.DARTS_SPACE
    target = dc.Genotype.from_darts(DARTS_V2)
    alphas = {}
    for name, cell in target.cells().items():
        a = torch.zeros(14, 8)
        for i, node in enumerate(cell):
            edges = list(space.node_edges(i))
            for rank, (op, j) in enumerate(node):
                a[edges[j], space.primitives.index(op)] = 5.0 - rank
        alphas[name] = torch.softmax(a, -1)
    g = dc.derive_genotype(alphas, space)
    assert g.normal == target.normal and g.reduce == target.reduce
    assert g.normal_concat == (2, 3, 4, 5)
    # NB201 rule: argmax with none allowed, every edge kept
    a = torch.tensor([[9.0, 0, 0, 0, 0], [0, 0, 0, 9, 0], [0, 9, 0, 0, 0]])
    g = dc.derive_genotype({"normal": torch.softmax(a, -1)}, dc.nb_digits_space())
    assert g.to_str() == "|none~0|+|nor_conv_3x3~0|skip_connect~1|"


def test_genotype_strings_round_trip_and_bad_genotypes():
    g = dc.Genotype.from_darts(DARTS_V2)
    assert dc.Genotype.from_str(g.to_str()) == dc.Genotype(normal=g.normal, reduce=g.reduce)
    assert dc.Genotype.from_str(DARTS_V2) == g
    assert g.to_darts()["normal"][7] == ("dil_conv_3x3", 2)
    g.validate(dc.DARTS_SPACE)
    space = dc.nb_digits_space()
    with pytest.raises(ValueError, match="cannot parse"):
        dc.Genotype.from_str("|conv~x|")
    with pytest.raises(ValueError, match="cannot parse"):
        dc.Genotype.from_str("nor_conv_3x3~0")
    with pytest.raises(ValueError, match="input index 2"):
        dc.Genotype.from_str("|none~0|+|none~0|none~2|").validate(space)
    with pytest.raises(ValueError, match="not in the space"):
        dc.Genotype.from_str("|sep_conv_3x3~0|+|none~0|none~1|").validate(space)
    with pytest.raises(ValueError, match="nodes"):
        dc.Genotype.from_str("|none~0|").validate(space)
    with pytest.raises(ValueError, match="incoming edges"):
        dc.Genotype.from_str("|none~0|+|none~0|").validate(space)
    with pytest.raises(ValueError, match="DARTS genotype"):
        dc.Genotype.from_darts("Genotype(normal=[('a', 0)")


# ------------------------------------------------------------------------------------------- bilevel


def test_parameter_split():
    model = dc.Supernet(dc.DARTS_SPACE, C=4, layers=3, in_channels=3)
    arch = {id(p) for p in model.arch_parameters()}
    weights = {id(p) for p in model.weight_parameters()}
    assert not arch & weights
    assert arch | weights == {id(p) for p in model.parameters()}
    arc = dc.Architect(model)
    assert {id(p) for g in arc.optimizer.param_groups for p in g["params"]} == arch


def test_first_order_alpha_gradient_equals_autograd():
    model = tiny_supernet()
    tr, va = batches()
    arc = dc.Architect(model, order=1)
    grads, _ = arc.arch_gradient(tr, va, 0.025, None)
    model.zero_grad()
    F.cross_entropy(model(va[0]), va[1]).backward()
    torch.testing.assert_close(grads[0], model.alphas["normal"].grad)


def test_finite_difference_hvp_matches_exact_autograd():
    # official radius r = 0.01 on a smooth network
    model = tiny_supernet(smooth=True)
    tr, va = batches()
    arc = dc.Architect(model, order=2)
    v = torch.autograd.grad(F.cross_entropy(model(va[0]), va[1]), model.weight_parameters())
    fd = arc.hessian_vector_product(tr, v)
    exact = arc.hessian_vector_product(tr, v, exact=True)
    assert (fd[0] - exact[0]).norm() / exact[0].norm() < 1e-2
    # ReLU network: a radius small enough not to cross activation kinks recovers the exact product
    model = tiny_supernet()
    arc = dc.Architect(model, order=2, hvp_radius=1e-6)
    g = torch.Generator().manual_seed(3)
    v = [torch.randn(p.shape, generator=g, dtype=p.dtype) for p in model.weight_parameters()]
    fd = arc.hessian_vector_product(tr, v)
    exact = arc.hessian_vector_product(tr, v, exact=True)
    assert (fd[0] - exact[0]).norm() / exact[0].norm() < 1e-4


@pytest.mark.parametrize("hvp", ["finite_difference", "exact"])
def test_second_order_gradient_matches_exact_unrolled_gradient_and_restores_w(hvp):
    model = tiny_supernet(smooth=True)
    tr, va = batches()
    xi, wd = 0.1, 3e-4
    opt = torch.optim.SGD(model.weight_parameters(), lr=xi, momentum=0.9, weight_decay=wd)
    arc = dc.Architect(model, order=2, hvp=hvp)
    before = {n: p.detach().clone() for n, p in model.named_weight_parameters()}
    approx, _ = arc.arch_gradient(tr, va, xi, opt)
    for n, p in model.named_weight_parameters():
        assert torch.equal(p, before[n])  # w untouched, bit-exact
    names, params = zip(*model.named_weight_parameters(), strict=True)
    g = torch.autograd.grad(F.cross_entropy(model(tr[0]), tr[1]), params, create_graph=True)
    unrolled = {n: p - xi * (gi + wd * p) for n, p, gi in zip(names, params, g, strict=True)}
    exact = torch.autograd.grad(
        F.cross_entropy(functional_call(model, unrolled, (va[0],)), va[1]), model.alphas["normal"]
    )[0]
    err = (approx[0] - exact).norm() / exact.norm()
    assert err < 1e-2, err
    first, _ = dc.Architect(model, order=1).arch_gradient(tr, va, xi, opt)
    assert (first[0] - exact).norm() / exact.norm() > err  # the implicit term matters


def test_architect_step_updates_only_alpha():
    model = tiny_supernet(torch.float32)
    tr, va = batches(torch.float32)
    before_w = [p.detach().clone() for p in model.weight_parameters()]
    before_a = model.alphas["normal"].detach().clone()
    dc.Architect(model, order=2).step(tr, va, 0.025, None)
    assert all(torch.equal(a, b) for a, b in zip(before_w, model.weight_parameters(), strict=True))
    assert not torch.equal(before_a, model.alphas["normal"])


def test_search_is_deterministic_and_checkpoints_resume(tmp_path):
    d = digits_splits()

    class Interrupt(Exception):
        pass

    class StopAt:
        def on_step(self, state):
            if state.epoch == 2:
                raise Interrupt

    def go(epochs, **kw):
        torch.manual_seed(0)
        model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
        tr = dc.TensorLoader(d["train"][0][:100], d["train"][1][:100], batch_size=50, seed=0)
        va = dc.TensorLoader(d["val"][0][:100], d["val"][1][:100], batch_size=50, seed=1)
        return dc.search(model, tr, va, epochs, w_lr=0.05, arch_lr=3e-3, **kw)

    a, b = go(3), go(3)
    assert a.genotype == b.genotype
    torch.testing.assert_close(a.model.alphas["normal"], b.model.alphas["normal"], rtol=0, atol=0)
    assert len(a.history) == 3 and {"genotype", "weights", "train_acc", "val_loss"} <= set(a.history[0])
    ck = tmp_path / "ck.pt"
    with pytest.raises(Interrupt):
        go(3, checkpoint_path=ck, callbacks=[StopAt()])
    saved = dc.load_checkpoint(ck, dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1))
    assert saved["epoch"] == 1
    c = go(3, checkpoint_path=ck, resume=True)
    assert [h["epoch"] for h in c.history] == [0, 1, 2]
    assert [h["genotype"] for h in c.history[:2]] == [h["genotype"] for h in a.history[:2]]
    assert c.history[2]["w_lr"] == pytest.approx(
        a.history[2]["w_lr"]
    )  # the schedule resumes where it stopped


def test_callbacks_and_custom_selection_rule():
    d = digits_splits()
    seen = []

    class CB:
        def on_epoch_end(self, state):
            seen.append(state.epoch)

    def all_conv(weights, space):
        return genotype_from_ops(["nor_conv_3x3"] * space.num_edges, space)

    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1)
    tr = dc.TensorLoader(d["train"][0][:100], d["train"][1][:100], batch_size=50)
    res = dc.search(model, tr, tr, 2, callbacks=[CB()], rule=all_conv)
    assert seen == [0, 1]
    assert res.genotype.ops() == ["nor_conv_3x3"] * 3


# ------------------------------------------------------------------------------------------- discrete network


def test_discrete_darts_network_aux_and_drop_path():
    g = dc.Genotype.from_darts(DARTS_V2)
    torch.manual_seed(0)
    net = dc.DiscreteNetwork(
        g, dc.DARTS_SPACE, C=4, layers=5, in_channels=3, num_classes=6, auxiliary=True, drop_path_prob=0.5
    )
    x = torch.randn(4, 3, 16, 16)
    logits, aux = net(x, return_aux=True)
    assert logits.shape == (4, 6) and aux.shape == (4, 6)
    net.eval()
    torch.testing.assert_close(net(x), net(x))  # no drop-path at eval
    y = torch.ones(1000, 3, 1, 1)
    dp = dc.drop_path(y, 0.25)
    vals = dp.unique()
    assert len(vals) == 2 and vals[0] == 0 and vals[1].item() == pytest.approx(1 / 0.75)
    assert abs(dp.mean().item() - 1.0) < 0.1
    c = dc.cutout(torch.ones(5, 1, 8, 8), 4)
    assert ((c == 0).flatten(1).sum(1) <= 16).all() and (c == 0).any()
    net2 = copy.deepcopy(net)
    net2.load_state_dict(net.state_dict())
    torch.testing.assert_close(net2(x), net(x))


def test_supernet_state_dict_round_trip_and_to_dtype():
    a = dc.Supernet(dc.DARTS_SPACE, C=4, layers=3, in_channels=3)
    b = dc.Supernet(dc.DARTS_SPACE, C=4, layers=3, in_channels=3)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(a(x), b(x))
    assert "space=darts" in repr(a)
    d = a.double()
    assert d(x.double()).dtype == torch.float64
    with dc.batch_stats_bn(a.eval()):
        bn = next(m for m in a.modules() if isinstance(m, torch.nn.BatchNorm2d))
        assert bn.training
    assert not bn.training


# ------------------------------------------------------------------------------------------- ground truth


def test_seed_parallel_training_equals_separate_networks():
    space = dc.nb_digits_space()
    g = dc.Genotype.from_str("|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|")
    torch.manual_seed(0)
    nets = [dc.DiscreteNetwork(g, space, C=4, layers=1, in_channels=1) for _ in range(2)]
    par = SeedParallelCellNet(g, space, S=2, C=4).load_from_separate(nets)
    opt_p = torch.optim.SGD(par.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    opts = [torch.optim.SGD(n.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3) for n in nets]
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        xs = [torch.randn(8, 1, 8, 8, generator=gen) for _ in range(2)]
        ys = [torch.randint(0, 10, (8,), generator=gen) for _ in range(2)]
        out = par(torch.cat(xs, 1))
        loss = F.cross_entropy(out.reshape(-1, 10), torch.stack(ys, 1).reshape(-1)) * 2
        opt_p.zero_grad()
        loss.backward()
        opt_p.step()
        for n, o, x, y in zip(nets, opts, xs, ys, strict=True):
            o.zero_grad()
            F.cross_entropy(n(x), y).backward()
            o.step()
    x = torch.randn(5, 1, 8, 8)
    out = par(torch.cat([x, x], 1))
    for s in range(2):
        torch.testing.assert_close(out[:, s], nets[s](x), rtol=1e-4, atol=1e-5)


def test_canonical_ops_dedup():
    space = dc.nb_digits_space()
    assert canonical_ops(("nor_conv_3x3", "skip_connect", "none"), space) == ("none", "skip_connect", "none")
    assert canonical_ops(("nor_conv_3x3", "none", "skip_connect"), space) == (
        "nor_conv_3x3",
        "none",
        "skip_connect",
    )


def test_ground_truth_table():
    nb = dc.NBDigits()
    assert len(nb) == 125 and len(set(nb)) == 125
    best_g, best = nb.best()
    assert any("conv" in op for op in best_g.ops())
    assert nb.rank(best_g) == 1 and nb.regret(best_g) == 0.0
    none = nb.query(("none", "none", "none"))
    assert none["test_acc"] < 0.2  # chance is 0.1
    assert nb.query("|none~0|+|none~0|none~1|") == none
    assert nb.metadata["recipe"]["seeds"] and len(none["test_accs"]) == len(nb.metadata["recipe"]["seeds"])
    assert 0 < nb.random_regret() < best["test_acc"]
    with pytest.raises(ValueError, match="not in the space"):
        nb.query("|sep_conv_3x3~0|+|none~0|none~1|")


def test_progress_is_a_caller_supplied_wrapper():
    """The library imports no progress bar: ``progress`` wraps the epoch range and changes nothing else."""
    seen = []

    def wrap(epochs):
        seen.append(list(epochs))
        return iter(seen[-1])

    (x1, y1), (x2, y2) = batches(dtype=torch.float32, n=8)

    def loaders():  # fresh shuffling streams for each run
        return dc.TensorLoader(x1, y1, batch_size=4, seed=0), dc.TensorLoader(x2, y2, batch_size=4, seed=1)

    a = dc.search(tiny_supernet(torch.float32), *loaders(), 3, progress=wrap)
    b = dc.search(tiny_supernet(torch.float32), *loaders(), 3)
    tr, va = loaders()
    assert seen == [[0, 1, 2]]
    torch.testing.assert_close(a.model.alphas["normal"], b.model.alphas["normal"], rtol=0, atol=0)
    net = dc.DiscreteNetwork(a.genotype, dc.nb_digits_space(), C=4, layers=1, in_channels=1, num_classes=3)
    out = dc.train_discrete(net, tr, va, 2, progress=wrap)
    assert seen[-1] == [0, 1] and 0.0 <= out["test_acc"] <= 1.0
