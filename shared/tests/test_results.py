import json
import math

import pytest

from paperzoo_shared.results import (
    Results,
    SchemaError,
    atomic_write_text,
    format_value,
    jsonable,
    mean_std,
    repo_commit,
    validate,
)


def test_mean_std_sample_std():
    ms = mean_std([1.0, 2.0, 3.0])
    assert ms == {"mean": 2.0, "std": 1.0, "n": 3}
    assert mean_std([5.0]) == {"mean": 5.0, "std": 0.0, "n": 1}
    assert math.isnan(mean_std([1.0, float("nan")])["mean"])
    with pytest.raises(ValueError):
        mean_std([])


def test_format_value():
    assert format_value({"mean": 0.5, "std": 0.01, "n": 3}) == "0.500 ± 0.010 (n=3)"
    assert format_value({"mean": "nan", "std": "nan", "n": 2}) == "nan ± nan (n=2)"
    assert format_value(None) == "—"
    assert format_value(1.5e-6) == "1.50e-06"
    assert format_value(300) == "300" and format_value(300.0) == "300.000" and format_value(True) == "yes"


def make_results() -> Results:
    r = Results(package="demo", version="0.1.0", preset="cpu", config={"toy": {"a": 1}}, seeds=[0, 1])
    r.add_seed(0, {"acc": 0.9}, study="toy")
    r.add_seed(1, {"acc": 0.92}, study="toy")
    r.summary["toy.acc"] = mean_std([0.9, 0.92])
    r.add_row("toy", "accuracy", r.summary["toy.acc"], paper="0.95 (Table 1)", baseline="0.80")
    r.add_criterion("accuracy >= 0.85", True, "0.91", study="toy")
    r.add_table("speed", ["impl", "ratio"], [["ours", "1.00x"], ["peer", "1.50x"]])
    return r


def test_results_roundtrip(tmp_path):
    r = make_results().finalize(wall_time_s=2.0, device="cpu")
    path = r.write(tmp_path / "x.json")
    data = json.loads(path.read_text())
    assert data["schema"] == 2 and data["kind"] == "reproduce" and data["passed"] is True
    assert data["per_seed"][1] == {"seed": 1, "study": "toy", "metrics": {"acc": 0.92}}
    back = Results.read(path)
    assert back.rows == r.rows and back.passed is True and back.per_seed == r.per_seed


def test_nonfinite_values_are_stored_as_strings(tmp_path):
    r = make_results()
    r.summary["toy.loss"] = mean_std([1.0, float("nan")])
    r.per_seed[0]["metrics"]["loss"] = float("inf")
    data = json.loads(r.write(tmp_path / "x.json").read_text())
    assert data["summary"]["toy.loss"]["mean"] == "nan" and data["per_seed"][0]["metrics"]["loss"] == "inf"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(surprise=1), "unknown key"),
        (lambda d: d.pop("per_seed"), "missing key"),
        (lambda d: d.update(per_seed=[]), "every seed"),
        (lambda d: d.update(schema=1), "schema 1"),
        (lambda d: d.update(kind="bench"), "kind"),
        (lambda d: d["summary"].update(nested={"a": {"b": 1}}), "mean_std dict"),
        (lambda d: d["summary"].update(bad={"mean": 1.0, "std": 0.0, "n": 0}), "positive int"),
        (lambda d: d["paper"].update(x=0.5), "quote the paper"),
        (lambda d: d["criteria"][0].update(passed="yes"), "true or false"),
        (lambda d: d.update(passed=False), "criteria say True"),
        (lambda d: d["tables"]["speed"]["rows"].append(["only one"]), "1 cells for 2 columns"),
        (lambda d: d["per_seed"][0].update(fold=3), "unknown key"),
    ],
)
def test_schema_violations_are_named(change, message):
    data = make_results().to_dict()
    validate(data)
    change(data)
    with pytest.raises(SchemaError, match=message):
        validate(data, where="demo.json")


def test_write_refuses_invalid_results_and_keeps_the_old_file(tmp_path):
    path = make_results().write(tmp_path / "cpu.json")
    before = path.read_text()
    bad = make_results()
    bad.summary["toy.nested"] = {"a": 1}
    with pytest.raises(SchemaError):
        bad.write(path)
    assert path.read_text() == before and list(tmp_path.iterdir()) == [path]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    atomic_write_text(path, "old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new")
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]


def test_atomic_write_makes_an_ordinary_file(tmp_path):
    import os
    import stat

    path = atomic_write_text(tmp_path / "f.json", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_read_reports_invalid_json_with_its_path(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(SchemaError, match="x.json: not valid JSON"):
        Results.read(tmp_path / "x.json")


def test_jsonable_converts_tensors_and_tuples():
    import numpy as np

    assert jsonable({"a": (1, 2), "b": np.float64(0.5), "c": float("-inf")}) == {
        "a": [1, 2],
        "b": 0.5,
        "c": "-inf",
    }


def test_repo_commit_only_inside_the_repository(tmp_path):
    import paperzoo_shared

    assert repo_commit(tmp_path / "mod.py") is None  # not a checkout
    commit = repo_commit(paperzoo_shared.__file__)
    src = paperzoo_shared.__file__
    if "site-packages" in src:
        assert commit is None
    elif commit is not None:
        assert len(commit) == 40
