"""Cells and modules against hand-written steps from the paper's equations (float64)."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import layernorm as ln
from layernorm.norm import layer_norm_reference as LN


@pytest.fixture(autouse=True)
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def ref_lstm_step(cell, x, h, c):
    """Paper supplementary: two joint LNs over 4H, bias after, LN on the cell for the output, raw c carried."""
    H = cell.hidden_size
    z = LN(x @ cell.weight_ih.T, cell.ln_ih.weight, cell.ln_ih.bias) + LN(
        h @ cell.weight_hh.T, cell.ln_hh.weight, cell.ln_hh.bias
    )
    z = z + cell.bias
    i, f, g, o = z[..., :H], z[..., H : 2 * H], z[..., 2 * H : 3 * H], z[..., 3 * H :]
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h2 = torch.sigmoid(o) * torch.tanh(LN(c2, cell.ln_c.weight, cell.ln_c.bias))
    return h2, c2


def ref_gru_step(cell, x, h):
    H = cell.hidden_size
    wx, wh = x @ cell.weight_ih.T, h @ cell.weight_hh.T
    rz = LN(wx[..., : 2 * H], cell.ln_ih_rz.weight, cell.ln_ih_rz.bias) + cell.bias_ih[: 2 * H]
    rz = rz + LN(wh[..., : 2 * H], cell.ln_hh_rz.weight, cell.ln_hh_rz.bias) + cell.bias_hh[: 2 * H]
    r, z = torch.sigmoid(rz[..., :H]), torch.sigmoid(rz[..., H:])
    n = torch.tanh(
        LN(wx[..., 2 * H :], cell.ln_in.weight, cell.ln_in.bias)
        + cell.bias_ih[2 * H :]
        + r * (LN(wh[..., 2 * H :], cell.ln_hn.weight, cell.ln_hn.bias) + cell.bias_hh[2 * H :])
    )
    return (1 - z) * n + z * h


def ref_rnn_step(cell, x, h):
    a = (
        x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
    )  # paper Eq. 4: LN of the sum
    return torch.tanh(LN(a, cell.ln.weight, cell.ln.bias))


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return module


def test_layer_norm_reference_equals_torch():
    x = torch.randn(5, 7, 12) * 3 + 1
    ref = ln.LayerNorm(12)
    randomize(ref)
    torch_ln = torch.nn.LayerNorm(12)
    torch_ln.load_state_dict(ref.state_dict())
    torch.testing.assert_close(ref(x), torch_ln(x))
    out = LN(x, None, None)
    torch.testing.assert_close(out.mean(-1), torch.zeros(5, 7), atol=1e-12, rtol=0)
    torch.testing.assert_close(
        out.var(-1, unbiased=False), torch.ones(5, 7), atol=1e-4, rtol=0
    )  # biased variance, eps inside


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_cell_matches_hand_written_step(kind):
    torch.manual_seed(0)
    x, h, c = torch.randn(4, 5), torch.randn(4, 8), torch.randn(4, 8)
    if kind == "lstm":
        cell = randomize(ln.LayerNormLSTMCell(5, 8))
        out = cell(x, (h, c))
        ref = ref_lstm_step(cell, x, h, c)
        torch.testing.assert_close(out[0], ref[0])
        torch.testing.assert_close(out[1], ref[1])
    elif kind == "gru":
        cell = randomize(ln.LayerNormGRUCell(5, 8))
        torch.testing.assert_close(cell(x, h), ref_gru_step(cell, x, h))
    else:
        cell = randomize(ln.LayerNormRNNCell(5, 8))
        torch.testing.assert_close(cell(x, h), ref_rnn_step(cell, x, h))


def loop_reference(module, x, lengths=None):
    """Per-example, per-step loop over the cells (bidirectional, multi-layer), written independently."""
    B, T = x.shape[1], x.shape[0]
    D, L = module.num_directions, module.num_layers
    outs, finals = [], {}
    for b in range(B):
        n = T if lengths is None else int(lengths[b])
        seq = x[:n, b]
        for layer in range(L):
            dir_outs = []
            for d in range(D):
                cell = module.cells[layer * D + d]
                s = seq if d == 0 else seq.flip(0)
                h = torch.zeros(module.hidden_size)
                c = torch.zeros(module.hidden_size)
                hs = []
                for t in range(n):
                    if module.is_lstm:
                        h, c = cell(s[t], (h, c))
                    else:
                        h = cell(s[t], h)
                    hs.append(h)
                hs = torch.stack(hs)
                dir_outs.append(hs if d == 0 else hs.flip(0))
                finals[(layer * D + d, b)] = h
            seq = torch.cat(dir_outs, -1)
        pad = torch.zeros(T - n, seq.shape[-1])
        outs.append(torch.cat([seq, pad]))
    h_n = torch.stack([torch.stack([finals[(k, b)] for b in range(B)]) for k in range(L * D)])
    return torch.stack(outs, 1), h_n


@pytest.mark.parametrize("cls", [ln.LayerNormLSTM, ln.LayerNormGRU, ln.LayerNormRNN])
def test_module_matches_loop_reference_bidirectional_multilayer(cls):
    torch.manual_seed(1)
    m = randomize(cls(3, 6, num_layers=2, bidirectional=True))
    x = torch.randn(5, 3, 3)
    out, h = m(x)
    ref_out, ref_h = loop_reference(m, x)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h[0] if isinstance(h, tuple) else h, ref_h)


def test_packed_sequences_equal_separate_runs():
    torch.manual_seed(2)
    m = randomize(ln.LayerNormLSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True))
    x = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 4, 2, 5])
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_p, (h_n, c_n) = m(packed)
    out, _ = pad_packed_sequence(out_p, batch_first=True)
    ref_out, ref_h = loop_reference(m, x.transpose(0, 1), lengths)
    torch.testing.assert_close(out, ref_out.transpose(0, 1)[:, : out.shape[1]])
    torch.testing.assert_close(h_n, ref_h)
    # lengths= on padded input gives the same
    out2, (h2, _) = m(x, lengths=lengths)
    torch.testing.assert_close(out2, ref_out.transpose(0, 1))
    torch.testing.assert_close(h2, ref_h)


def test_shapes_and_state_semantics_match_torch():
    for torch_cls, cls in (
        (torch.nn.LSTM, ln.LayerNormLSTM),
        (torch.nn.GRU, ln.LayerNormGRU),
        (torch.nn.RNN, ln.LayerNormRNN),
    ):
        for kw in ({}, {"batch_first": True}, {"bidirectional": True, "num_layers": 3}):
            ref, ours = torch_cls(4, 10, **kw), cls(4, 10, **kw)
            x = torch.randn(6, 5, 4)
            (o1, h1), (o2, h2) = ref(x), ours(x)
            assert o1.shape == o2.shape
            if isinstance(h1, tuple):
                assert [t.shape for t in h1] == [t.shape for t in h2]
            else:
                assert h1.shape == h2.shape
        # unbatched input, like torch
        (o1, _), (o2, _) = torch_cls(4, 10)(torch.randn(6, 4)), cls(4, 10)(torch.randn(6, 4))
        assert o1.shape == o2.shape == (6, 10)
    # initial state is used: h0 changes the output
    m = ln.LayerNormGRU(4, 10)
    x = torch.randn(3, 2, 4)
    assert not torch.allclose(m(x)[0], m(x, torch.randn(1, 2, 10))[0])


def test_gate_order_matches_torch_without_layer_norm(monkeypatch):
    """With every LN replaced by the identity, from_torch(nn.LSTM) reproduces nn.LSTM: same gate order."""
    import layernorm.cells as cells_mod
    import layernorm.functional as fn_mod

    ident = lambda a, w, b, groups, eps: a
    monkeypatch.setattr(cells_mod, "group_layer_norm", ident)
    monkeypatch.setattr(fn_mod, "group_layer_norm", ident)
    for torch_cls in (torch.nn.LSTM, torch.nn.RNN):
        ref = torch_cls(3, 5, num_layers=2, bidirectional=True)
        kwargs = {"norm_cell": False} if torch_cls is torch.nn.LSTM else {"norm": "split"}
        if torch_cls is torch.nn.RNN:
            monkeypatch.setattr(cells_mod.F, "layer_norm", lambda a, shape, w, b, eps: a)
        ours = ln.from_torch(ref, **kwargs)
        x = torch.randn(4, 2, 3)
        torch.testing.assert_close(ours(x)[0], ref(x)[0])


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_split"])
def test_invariance_to_input_scaling_and_weight_recentering(kind):
    torch.manual_seed(3)
    cell = {
        "lstm": lambda: ln.LayerNormLSTM(3, 8, eps=1e-12),
        "gru": lambda: ln.LayerNormGRU(3, 8, eps=1e-12),
        "rnn_split": lambda: ln.LayerNormRNN(3, 8, norm="split", eps=1e-12),
    }[kind]()
    randomize(cell)
    x = torch.randn(6, 2, 3)
    out = cell(x)[0]
    torch.testing.assert_close(cell(7.5 * x)[0], out)  # re-scaling the input
    w = cell.cells[0].weight_ih
    with torch.no_grad():
        w.mul_(3.0)  # re-scaling the whole weight matrix
        torch.testing.assert_close(cell(x)[0], out)
        w.add_(torch.randn(1, 3))  # re-centering: the same vector added to every row
        torch.testing.assert_close(cell(x)[0], out)
        w[0].mul_(5.0)  # negative control: re-scaling ONE weight vector changes the output
    assert not torch.allclose(cell(x)[0], out)


def test_batch_independence_and_train_eval_equal():
    m = randomize(ln.LayerNormLSTM(2, 8, dropout=0.0))
    x = torch.randn(5, 32, 2)
    full = m(x)[0]
    torch.testing.assert_close(m(x[:, 3:4])[0], full[:, 3:4])
    m.eval()
    torch.testing.assert_close(m(x)[0], full)


@pytest.mark.filterwarnings("ignore:hidden_size=3 is small")
def test_gradcheck_cells():
    torch.manual_seed(4)
    for cell in (
        ln.LayerNormLSTMCell(2, 3, grouping="per_gate"),
        ln.LayerNormGRUCell(2, 3),
        ln.LayerNormRNNCell(2, 3),
    ):
        randomize(cell)
        x = torch.randn(2, 2, requires_grad=True)
        h = torch.randn(2, 3, requires_grad=True)
        if isinstance(cell, ln.LayerNormLSTMCell):
            c = torch.randn(2, 3, requires_grad=True)
            assert torch.autograd.gradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))
        else:
            assert torch.autograd.gradcheck(lambda x, h: cell(x, h), (x, h))


def test_options():
    torch.manual_seed(5)
    x = torch.randn(4, 5)
    carry = ln.LayerNormLSTMCell(5, 8, carry_normalized_cell=True)
    h, c = carry(x)
    torch.testing.assert_close(c.mean(-1), torch.zeros(4), atol=1e-10, rtol=0)  # LN_c(c') carried
    fb = ln.LayerNormLSTMCell(5, 8, forget_bias=1.0)
    assert torch.equal(fb.bias[8:16], torch.ones(8)) and fb.bias[:8].abs().sum() == 0
    per_gate = ln.LayerNormLSTMCell(5, 8, grouping="per_gate")
    u = per_gate.input_terms(x)
    torch.testing.assert_close(u.view(4, 4, 8).mean(-1), torch.zeros(4, 4), atol=1e-10, rtol=0)
    relu = ln.LayerNormRNN(5, 8, nonlinearity="relu")
    assert (relu(x[None])[0] >= 0).all()


def test_state_dict_roundtrip_and_dtype_follow():
    m = ln.LayerNormLSTM(3, 8, num_layers=2)
    m2 = ln.LayerNormLSTM(3, 8, num_layers=2)
    m2.load_state_dict(m.state_dict())
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(m(x)[0], m2(x)[0])
    m32 = m.to(torch.float32)
    assert m32(x.float())[0].dtype == torch.float32


@pytest.mark.gpu
def test_cuda_matches_cpu_and_bf16_autocast_finite():
    m = ln.LayerNormLSTM(3, 16, num_layers=2, bidirectional=True).float()
    x = torch.randn(20, 4, 3, dtype=torch.float32)
    ref = m(x)[0]
    mc = m.cuda()
    assert all(p.is_cuda for p in mc.parameters())
    torch.testing.assert_close(mc(x.cuda())[0].cpu(), ref, rtol=1e-4, atol=1e-5)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = mc(x.cuda())[0]
        out.float().sum().backward()
    assert torch.isfinite(out).all()


@pytest.mark.gpu
def test_one_timed_step_full_scale_cuda():
    import time

    m = ln.LayerNormLSTM(1, 256, num_layers=2).float().cuda()
    x = torch.randn(
        784, 256, 1, device="cuda", dtype=torch.float32
    )  # the autouse fixture made float64 the default
    t0 = time.perf_counter()
    m(x)[0].sum().backward()
    torch.cuda.synchronize()
    assert time.perf_counter() - t0 < 60
