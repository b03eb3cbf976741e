import json
import warnings

import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

import pde_data
from pde_data.cli import main as cli_main
from pde_data.dataset import PDEDataset


@pytest.mark.parametrize(
    "name,kw",
    [
        ("antiderivative", {"n_points": 3}),
        ("diffusion_reaction", {"n_points": 4, "nx": 20, "nt": 20}),
        ("burgers_1d", {"size": 64}),
        ("darcy_2d", {"size": 17}),
        ("navier_stokes_2d", {"size": 16, "t_final": 2.0}),
        ("advection_2d", {"size": 16, "n_frames": 2, "max_mode": 4}),
    ],
)
def test_sample_i_identical_for_any_batch_and_start(name, kw):
    full = pde_data.generate(name, 9, dtype="float64", cache=False, **kw)
    part = pde_data.generate(name, 3, start=5, dtype="float64", cache=False, **kw)
    one = pde_data.generate(name, 1, start=6, dtype="float64", cache=False, **kw)
    for key in full.data:
        np.testing.assert_array_equal(part.data[key], full.data[key][5:8])
        np.testing.assert_array_equal(one.data[key], full.data[key][6:7])


def test_block_boundaries_and_jobs_do_not_change_samples():
    a = pde_data.generate("burgers_1d", 70, size=32, dt=0.02, dtype="float64", cache=False)
    b = pde_data.generate(
        "burgers_1d", 10, start=60, size=32, dt=0.02, dtype="float64", cache=False, n_jobs=2
    )
    np.testing.assert_array_equal(a["u"][60:], b["u"])
    c = pde_data.generate("burgers_1d", 70, size=32, dt=0.02, dtype="float64", cache=False)
    np.testing.assert_array_equal(a["a"], c["a"])  # same seed: byte-identical
    d = pde_data.generate("burgers_1d", 70, size=32, dt=0.02, dtype="float64", cache=False, seed=1)
    assert not np.allclose(a["a"], d["a"])


def test_cache_roundtrip_key_and_location(tmp_path, monkeypatch):
    monkeypatch.setenv("PDE_DATA_CACHE", str(tmp_path / "c"))
    assert pde_data.cache_dir() == tmp_path / "c"
    ds = pde_data.generate("darcy_2d", 3, size=9)
    files = sorted((tmp_path / "c").glob("darcy_2d-*.npz"))
    assert len(files) == 1
    again = pde_data.generate("darcy_2d", 3, size=9)
    np.testing.assert_array_equal(again["u"], ds["u"])
    assert again.meta["cache_key"] == ds.meta["cache_key"]
    other = pde_data.generate("darcy_2d", 3, size=9, a_negative=4.0)
    assert other.meta["cache_key"] != ds.meta["cache_key"]
    assert len(sorted((tmp_path / "c").glob("darcy_2d-*.npz"))) == 2
    sidecar = json.loads(files[0].with_suffix(".json").read_text())
    assert sidecar["config"]["a_positive"] == 12.0 and sidecar["seed"] == 0
    assert sidecar["version"] == pde_data.__version__


def test_dataset_splits_torch_and_describe(tmp_path):
    ds = pde_data.generate("darcy64_cpu", 5, size=9, n_train=3)
    assert len(ds.train) == 3 and len(ds.test) == 2
    assert ds.meta["preset"] == "darcy64_cpu"
    tds = ds.to_torch(channels="last")
    x, y = tds[0]
    assert tuple(x.shape) == (9, 9, 1) and tuple(y.shape) == (9, 9, 1)
    x, _ = ds.to_torch(channels="first")[0]
    assert tuple(x.shape) == (1, 9, 9)
    text = ds.describe()
    assert "a_positive = 12.0" in text and "seed: 0" in text
    path = ds.save(tmp_path / "d.npz")
    back = PDEDataset.load(path)
    np.testing.assert_array_equal(back["a"], ds["a"])
    assert back.meta["config"] == ds.meta["config"]


def test_presets_record_paper_settings():
    cfg = pde_data.make_config("fno_darcy_421")
    assert (cfg.size, cfg.grid, cfg.a_positive, cfg.a_negative, cfg.alpha, cfg.tau) == (
        421,
        "canonical",
        12.0,
        3.0,
        2.0,
        3.0,
    )
    ns = pde_data.make_config("fno_ns_1e-5")
    assert (ns.size, ns.stride, ns.nu, ns.t_final, ns.dt, ns.scheme) == (256, 4, 1e-5, 20.0, 1e-4, "fno")
    b = pde_data.make_config("fno_burgers")
    assert (b.size, b.nu, b.alpha, b.tau, b.sigma) == (8192, 0.1, 2.0, 5.0, 25.0)
    dr = pde_data.make_config("deeponet_diffusion_reaction")
    assert (dr.D, dr.k, dr.nx, dr.nt, dr.n_points) == (0.01, 0.01, 100, 100, 100)


def test_cli_generate_and_describe(tmp_path, capsys):
    out = tmp_path / "darcy.npz"
    assert (
        cli_main(["generate", "darcy_2d", "--n", "2", "--res", "9", "--out", str(out), "--no-progress"]) == 0
    )
    assert out.exists() and out.with_suffix(".json").exists()
    assert cli_main(["describe", str(out)]) == 0
    assert "darcy_2d" in capsys.readouterr().out
    assert cli_main(["generate", "burgers_1d", "--n", "1", "--set", "nu=-1", "--no-cache"]) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cli_main(["list"]) == 0


def test_cache_key_holds_the_package_version(tmp_path, monkeypatch):
    """A generator fixed in a new release never serves data cached by an older one."""
    monkeypatch.setenv("PDE_DATA_CACHE", str(tmp_path / "c"))
    ds = pde_data.generate("burgers_1d", 2, size=16, dt=0.02)
    assert ds.meta["version"] == pde_data.__version__
    monkeypatch.setattr(pde_data, "__version__", "99.0.0")
    again = pde_data.generate("burgers_1d", 2, size=16, dt=0.02)
    assert again.meta["version"] == "99.0.0" and again.meta["cache_key"] != ds.meta["cache_key"]
    assert len(list((tmp_path / "c").glob("burgers_1d-*.npz"))) == 2
    np.testing.assert_array_equal(again["u"], ds["u"])  # regenerated, same numbers


def test_default_cache_dir_is_the_platforms_user_cache(monkeypatch):
    import platformdirs

    monkeypatch.delenv("PDE_DATA_CACHE", raising=False)
    assert pde_data.cache_dir() == platformdirs.user_cache_path("pde-data", appauthor=False)


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, monkeypatch):
    ds = pde_data.generate("darcy_2d", 2, size=9, cache=False)
    ds.save(tmp_path / "d.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json", "d.npz"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        ds.save(tmp_path / "e.npz")
    assert not (tmp_path / "e.npz").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # the half-written file is gone
    np.testing.assert_array_equal(PDEDataset.load(tmp_path / "d.npz")["u"], ds["u"])  # the old file is intact


def test_progress_wrapper_sees_every_block_and_changes_nothing():
    seen = []

    def wrapper(blocks):
        for b in blocks:
            seen.append(b)
            yield b

    plain = pde_data.generate("burgers_1d", 70, size=16, dt=0.02, cache=False)
    shown = pde_data.generate("burgers_1d", 70, size=16, dt=0.02, cache=False, progress=wrapper)
    assert len(seen) == 2  # two blocks of 64
    np.testing.assert_array_equal(plain["u"], shown["u"])


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda b: b[: len(b) // 2],  # truncated (an interrupted copy, a full disk): zipfile.BadZipFile
        lambda b: b"",  # empty: EOFError
        lambda b: b"garbage" * 10,  # not an .npz at all
    ],
    ids=["truncated", "empty", "garbage"],
)
def test_corrupted_cache_entry_is_named_and_regenerated(tmp_path, corrupt):
    """Issue #25: a corrupted cache file raised EOFError naming no file and was never regenerated."""
    ds = pde_data.generate("darcy_2d", 2, size=9)
    (path,) = (tmp_path / "cache").glob("darcy_2d-*.npz")
    path.write_bytes(corrupt(path.read_bytes()))
    with pytest.warns(RuntimeWarning, match=f"{path.name}.*unreadable.*regenerat"):
        again = pde_data.generate("darcy_2d", 2, size=9)
    np.testing.assert_array_equal(again["u"], ds["u"])  # the same data, computed afresh
    assert not [p for p in path.parent.iterdir() if ".tmp" in p.name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the regenerated entry is whole again: read without a warning
        np.testing.assert_array_equal(PDEDataset.load(path)["u"], ds["u"])
        np.testing.assert_array_equal(pde_data.generate("darcy_2d", 2, size=9)["u"], ds["u"])


def test_loading_a_corrupted_file_names_it(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=f"{path}.*not a readable pde-data dataset"):
        PDEDataset.load(path)
    with pytest.raises(FileNotFoundError):  # a missing file stays a missing file
        PDEDataset.load(tmp_path / "missing.npz")


def test_atomic_writes_are_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    import os

    from pde_data import cache

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(cache.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(cache.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    cache.write_text_atomic(tmp_path / "x.json", "{}\n")
    assert (tmp_path / "x.json").read_text() == "{}\n"
    assert events[:2] == ["fsync", "replace"]  # the data reach the disk before the new name points at them
