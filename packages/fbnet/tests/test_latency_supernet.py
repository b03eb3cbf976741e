import itertools

import torch

import fbnet
from darts_core import TensorLoader


def test_lut_measure_dedup_roundtrip(tmp_path):
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, n_runs=3, n_warmup=1, num_threads=1)
    # layers 4 and 6 share no shape, but two stride-1 layers with equal shapes share keys: fewer than L*K + 1
    assert len(lut.entries) <= space.n_layers * 9 + 1
    assert all(v.median > 0 and torch.isfinite(torch.tensor(v.median)) for v in lut.entries.values())
    lut.save(tmp_path / "lut.json")
    back = fbnet.LatencyTable.load(tmp_path / "lut.json")
    assert back.entries == lut.entries and back.device == "cpu" and back.num_threads == 1
    assert back.torch_version == torch.__version__ and back.unit == "us"


def test_derived_network_equals_argmax_path():
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)
    net = fbnet.FBNetSuperNet(space, lut)
    with torch.no_grad():
        net.theta.normal_()
    net.eval()
    arch = net.sample("argmax")
    onehot = torch.zeros_like(net.theta).scatter_(-1, net.theta.argmax(-1, keepdim=True), 1.0)
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        sup, lat = net.forward_with_mask(x, onehot)
        derived = net.derive(arch).eval()(x)
    torch.testing.assert_close(sup, derived)
    assert abs(float(lat) / lut.predict(space, arch.ops) - 1) < 1e-5


def test_search_smoke_changes_theta_and_resumes_exactly(tmp_path):
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    (xw, yw), (xt, yt) = fbnet.split_search_data(x, y, 0.75)

    def run(ckpt=None, stop_after=None):
        torch.manual_seed(0)
        net = fbnet.FBNetSuperNet(space, lut)
        s = fbnet.FBNetSearch(net, warmup_epochs=0)
        prog = (lambda it: itertools.islice(it, stop_after)) if stop_after else None  # simulated interruption
        return s.fit(TensorLoader(xw, yw, batch_size=24, seed=0), TensorLoader(xt, yt, batch_size=8, seed=1), 2,
                     generator=torch.Generator().manual_seed(0), checkpoint=ckpt, progress=prog)  # fmt: skip

    full = run()
    assert not torch.equal(full.theta, torch.zeros_like(full.theta))
    assert full.history[0]["tau"] == 5.0 and len(full.history) == 2
    ck = tmp_path / "ck.pt"
    run(ck, stop_after=1)
    resumed = run(ck)
    torch.testing.assert_close(resumed.theta, full.theta, rtol=0, atol=0)
    assert resumed.history == full.history
