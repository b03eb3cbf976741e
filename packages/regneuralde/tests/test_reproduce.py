"""The reproduction: the quick preset points the claim's way, the studies' pieces behave, cpu meets its criteria."""

import json

import pytest
import torch

from regneuralde.reproduce import main
from regneuralde.reproduce.sanity import analytic_sanity
from regneuralde.reproduce.training import digits_split, train_spiral


def test_ernode_moves_lambda_toward_zero():
    out = analytic_sanity(8)
    assert abs(out["lambda"][-1]) < abs(out["lambda"][0]) and out["nfe"][-1] < out["nfe"][0]


def test_digits_split_is_stratified_and_fixed():
    Xtr, ytr, Xte, yte = digits_split()
    assert Xtr.dtype == torch.float64 and Xte.shape == (360, 64) and len(Xtr) == 1437
    assert 0.0 <= float(Xtr.min()) and float(Xtr.max()) <= 1.0
    # stratified: every class is about 20 % test
    counts = torch.bincount(yte, minlength=10).double() / torch.bincount(torch.cat([ytr, yte])).double()
    assert torch.all((counts - 0.2).abs() < 0.01)
    torch.testing.assert_close(digits_split()[2], Xte)


def test_spiral_ernode_learns_with_the_diffeqflux_loss():
    # Regression test for the collapse of the first version: with a mean-of-squares task loss (60x weaker than
    # DiffEqFlux's sum(abs2)) lambda = 100 R_E blocked every step of fitting and the field stayed near its init.
    van = train_spiral("vanilla", 0, iters=10, rtol=1e-8)
    ern = train_spiral("error", 0, iters=10, rtol=1e-8)
    assert ern["mse"] < 0.75 * 3.35  # the untrained field's MSE is about 3.35
    assert ern["mse"] < 1.3 * van["mse"]
    assert len(ern["train_nfe"]) == 10 and all(n > 0 for n in ern["train_nfe"])


def test_quick_preset_direction(tmp_path):
    out = tmp_path / "quick.json"
    n_threads = torch.get_num_threads()
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    assert torch.get_num_threads() == n_threads  # the studies' one-thread setting is restored
    data = json.loads(out.read_text())
    s = data["summary"]
    # two epochs of the digits classifier: ERNODE's field already needs fewer evaluations than vanilla's
    assert s["digits.error.nfe"]["mean"] < s["digits.vanilla.nfe"]["mean"]
    assert s["torchdiffeq.error.torchdiffeq_nfe"] < s["torchdiffeq.vanilla.torchdiffeq_nfe"]
    # every study records every seed's own values, and the NFE-over-training figures are drawn
    assert {e["study"] for e in data["per_seed"]} == {"spiral", "digits", "torchdiffeq", "sanity"}
    assert {f["name"] for f in data["figures"]} == {"spiral.nfe", "digits.nfe", "sanity.curve"}
    assert all((tmp_path / f["path"]).stat().st_size > 0 for f in data["figures"])


@pytest.mark.slow
def test_cpu_preset_pass_criteria(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
