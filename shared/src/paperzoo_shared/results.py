"""The one results schema of paperzoo: every results file (cpu/quick/full presets, gpu checks, peers,
benchmarks, diagnostics) is a :class:`Results` written as JSON and validated when read or written.

Layout (schema 2)::

    schema      2
    kind        "reproduce" | "benchmark" | "peers" | "diagnostic" | "gpu"
    package     distribution name            version   its version
    preset      "quick" | "cpu" | "full" (reproduce) or a short name of the run (other kinds)
    config      the full configuration (plain JSON)          seeds   the seeds, in order
    per_seed    [{"seed": int, "study": str, "metrics": {name: value}}]     every seed's own numbers
    summary     {name: value}    ours, usually mean ± std: {"mean", "std", "n"}
    baseline    {name: value}    the baselines, same layout
    paper       {name: str}      the paper's number, quoted with its table / figure
    criteria    [{"name", "passed", "detail", "study"}]
    rows        [{"setting", "metric", "paper", "ours", "baseline"}]   the README's main table
    tables      {name: {"columns": [...], "rows": [[...]]}}          extra README tables
    figures     [{"name", "path", "caption"}]   paths relative to the results file's folder
    notes       [str]
    data        {...}            kind-specific raw data (timings, counts, ...), free-form JSON
    commit      paperzoo commit (only when run inside the repository) or null
    wall_time_s, device, hardware, versions, date, passed (derived from criteria)

A *value* is a number, a string, a bool, null, or a ``mean_std`` dict. Non-finite floats are stored as the
strings ``"nan"``, ``"inf"``, ``"-inf"`` (JSON has no NaN). Nested dicts in ``summary``/``baseline``/``metrics``
are not allowed: use dotted names (``"digits.test_acc"``). Unknown keys are an error, never dropped.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
KINDS = ("reproduce", "benchmark", "peers", "diagnostic", "gpu")
_NONFINITE = ("nan", "inf", "-inf")


class SchemaError(ValueError):
    """A results file does not follow the schema; the message names the file, the key and what was expected."""


def mean_std(values: Iterable[float]) -> dict[str, Any]:
    """``{"mean", "std", "n"}`` of a sequence; ``std`` is the sample standard deviation (ddof=1, 0 for n=1).

    Non-finite values are kept, so a diverged seed shows up as ``nan`` instead of vanishing.
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("mean_std needs at least one value, got an empty sequence")
    n = len(vals)
    mean = sum(vals) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "std": std, "n": n}


def is_stat(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"mean", "std", "n"}


def format_value(value: Any, digits: int = 3) -> str:
    """Format a number, a ``mean_std`` dict or a string for a table cell."""
    if value is None:
        return "—"
    if isinstance(value, Mapping) and "mean" in value:
        n = int(value.get("n", 1))
        m, s = _float(value["mean"]), _float(value.get("std", 0.0))
        return f"{_num(m, digits)} ± {_num(s, digits)} (n={n})" if n > 1 else f"{_num(m, digits)} (n=1)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)  # counts, sizes, seeds: no decimals
    if isinstance(value, float):
        return _num(float(value), digits)
    return str(value)


def _float(x: Any) -> float:
    return float(x)  # float("nan") / float("inf") parse the stored strings


def _num(x: float, digits: int) -> str:
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 10 ** (-digits) or abs(x) >= 1e5):
        return f"{x:.{max(digits - 1, 1)}e}"
    return f"{x:.{digits}f}"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 3) -> str:
    """A GitHub-flavoured markdown table; cells go through :func:`format_value`."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = [format_value(c, digits).replace("|", "\\|").replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def jsonable(obj: Any) -> Any:
    """Plain JSON values from tensors, numpy scalars, tuples, paths and dataclasses; non-finite floats become
    the strings ``"nan"`` / ``"inf"`` / ``"-inf"``."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy arrays/scalars and torch tensors
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    return obj


# ------------------------------------------------------------------------------------------ environment


def repo_commit(module_file: str | Path | None) -> str | None:
    """The paperzoo commit when ``module_file`` lies in a paperzoo checkout (``packages/`` or ``shared/`` of a
    repository whose ``shared/pyproject.toml`` is paperzoo-shared's), else None (an installed wheel)."""
    if module_file is None:
        return None
    here = Path(module_file).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if len(lines) != 2:
        return None
    root = Path(lines[0]).resolve()
    shared = root / "shared" / "pyproject.toml"
    inside = any(here.is_relative_to(root / top) for top in ("packages", "shared"))
    if not (inside and shared.exists() and 'name = "paperzoo-shared"' in shared.read_text(encoding="utf-8")):
        return None
    return lines[1]


def environment(device: Any = None) -> dict[str, Any]:
    """Versions and hardware of this run: python, torch, numpy, platform, device name."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    try:
        import numpy as np

        env["numpy"] = np.__version__
        import torch

        env["torch"] = torch.__version__
        env["cuda"] = torch.version.cuda
        if device is not None and str(device).startswith("cuda") and torch.cuda.is_available():
            env["device_name"] = torch.cuda.get_device_name(torch.device(str(device)))
    except ImportError:
        pass
    return env


def hardware_label(device: Any = None) -> str:
    """A short hardware description for table cells, e.g. ``CPU x2`` or ``NVIDIA H100``."""
    env = environment(device)
    if "device_name" in env:
        return str(env["device_name"])
    return f"CPU x{env.get('cpu_count', '?')}"


def today() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")


# ------------------------------------------------------------------------------------------------ schema


@dataclasses.dataclass
class Results:
    """One results file. Studies fill ``per_seed``, ``summary``, ``baseline``, ``paper``, ``criteria``,
    ``rows``, ``tables`` and ``figures`` through the helpers; the runner fills in the rest."""

    package: str
    version: str
    kind: str = "reproduce"
    preset: str = ""
    config: dict[str, Any] = dataclasses.field(default_factory=dict)
    seeds: list[int] = dataclasses.field(default_factory=list)
    per_seed: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)
    baseline: dict[str, Any] = dataclasses.field(default_factory=dict)
    paper: dict[str, str] = dataclasses.field(default_factory=dict)
    criteria: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tables: dict[str, Any] = dataclasses.field(default_factory=dict)
    figures: list[dict[str, str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    commit: str | None = None
    wall_time_s: float | None = None
    device: str = "cpu"
    hardware: str = ""
    versions: dict[str, Any] = dataclasses.field(default_factory=dict)
    date: str = ""
    schema: int = SCHEMA_VERSION

    # -------------------------------------------------------------------------------------- adding

    def add_seed(self, seed: int, metrics: Mapping[str, Any], *, study: str = "") -> None:
        """One seed's own numbers (flat: ``{name: value}``)."""
        self.per_seed.append({"seed": int(seed), "study": study, "metrics": dict(metrics)})

    def add_criterion(self, name: str, passed: bool, detail: str = "", *, study: str = "") -> bool:
        """Record a pass criterion and its outcome; returns ``passed``."""
        self.criteria.append({"name": name, "passed": bool(passed), "detail": detail, "study": study})
        return bool(passed)

    def add_row(
        self, setting: str, metric: str, ours: Any, *, paper: str | None = None, baseline: Any = None
    ) -> None:
        """Add a row to the main README table (``ours`` is usually a :func:`mean_std` dict)."""
        self.rows.append(
            {"setting": setting, "metric": metric, "paper": paper, "ours": ours, "baseline": baseline}
        )

    def add_table(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Add a named table, rendered between ``<!-- results:begin NAME -->`` markers."""
        self.tables[name] = {"columns": list(columns), "rows": [list(r) for r in rows]}

    def add_figure(self, name: str, path: str, caption: str = "") -> None:
        """Record a figure (``path`` relative to the results file's folder, e.g. ``cpu_curves.png``)."""
        self.figures.append({"name": name, "path": str(path), "caption": caption})

    @property
    def passed(self) -> bool | None:
        """True when every criterion passed, None when there are none."""
        if not self.criteria:
            return None
        return all(c["passed"] for c in self.criteria)

    def finalize(self, *, wall_time_s: float, device: Any, module_file: str | Path | None = None) -> Results:
        """Fill in commit (inside the repository only), wall time, device, hardware, versions and date."""
        self.commit = self.commit or repo_commit(module_file)
        self.wall_time_s = round(float(wall_time_s), 2)
        self.device = str(device)
        self.hardware = self.hardware or hardware_label(device)
        self.versions = self.versions or environment(device)
        self.date = self.date or today()
        return self

    # ------------------------------------------------------------------------------------------ I/O

    def to_dict(self) -> dict[str, Any]:
        d = jsonable(dataclasses.asdict(self))
        d["passed"] = self.passed
        return d

    def write(self, path: str | Path) -> Path:
        """Validate, then write atomically (a temporary file in the same folder, then ``os.replace``)."""
        path = Path(path)
        data = self.to_dict()
        validate(data, where=str(path))
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "results") -> Results:
        validate(data, where=where)
        d = dict(data)
        d.pop("passed", None)
        return cls(**d)

    @classmethod
    def read(cls, path: str | Path) -> Results:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise SchemaError(f"{path}: not valid JSON ({err})") from err
        return cls.from_dict(data, where=str(path))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``: a failed
    write leaves the old file as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a results file is as readable as any other
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_TOP = {f.name for f in dataclasses.fields(Results)} | {"passed"}
_REQUIRED = {"schema", "kind", "package", "version", "preset", "config", "seeds", "per_seed", "criteria"}


def _check_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SchemaError(f"{where}: non-finite float {value!r}; store it as the string {str(value)!r}")
        return
    if isinstance(value, Mapping):
        if not is_stat(value):
            raise SchemaError(
                f"{where}: a dict value must be a mean_std dict with keys mean, std, n; got keys "
                f"{sorted(value)} (use dotted names for nested values)"
            )
        for k in ("mean", "std"):
            v = value[k]
            if not (isinstance(v, (int, float)) and not isinstance(v, bool)) and v not in _NONFINITE:
                raise SchemaError(f"{where}.{k}: expected a number, got {v!r}")
        if not isinstance(value["n"], int) or value["n"] < 1:
            raise SchemaError(f"{where}.n: expected a positive int, got {value['n']!r}")
        return
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_value(v, f"{where}[{i}]")
        return
    raise SchemaError(
        f"{where}: expected a number, string, bool, null or mean_std dict, got {type(value).__name__}"
    )


def _check_keys(obj: Any, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(obj, Mapping):
        raise SchemaError(f"{where}: expected an object, got {type(obj).__name__}")
    unknown = set(obj) - allowed
    if unknown:
        raise SchemaError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(obj)
    if missing:
        raise SchemaError(f"{where}: missing key(s) {sorted(missing)}")


def validate(data: Mapping[str, Any], where: str = "results") -> None:
    """Raise :class:`SchemaError` unless ``data`` follows the schema (see the module docstring)."""
    _check_keys(data, _TOP, _REQUIRED, where)
    if data["schema"] != SCHEMA_VERSION:
        raise SchemaError(f"{where}: schema {data['schema']!r}, this paperzoo-shared reads {SCHEMA_VERSION}")
    if data["kind"] not in KINDS:
        raise SchemaError(f"{where}: kind {data['kind']!r} is not one of {KINDS}")
    for key in ("package", "version", "preset"):
        if not isinstance(data[key], str):
            raise SchemaError(f"{where}.{key}: expected a string, got {data[key]!r}")
    if not isinstance(data["config"], Mapping):
        raise SchemaError(f"{where}.config: expected an object")
    if not (isinstance(data["seeds"], list) and all(isinstance(s, int) for s in data["seeds"])):
        raise SchemaError(f"{where}.seeds: expected a list of ints, got {data['seeds']!r}")
    if data["kind"] == "reproduce" and not data["per_seed"]:
        raise SchemaError(f"{where}.per_seed: a reproduction must record every seed's own values")
    for i, entry in enumerate(data["per_seed"]):
        w = f"{where}.per_seed[{i}]"
        _check_keys(entry, {"seed", "study", "metrics"}, {"seed", "metrics"}, w)
        if not isinstance(entry["seed"], int):
            raise SchemaError(f"{w}.seed: expected an int, got {entry['seed']!r}")
        _check_keys(entry["metrics"], set(entry["metrics"]), set(), f"{w}.metrics")
        for k, v in entry["metrics"].items():
            _check_value(v, f"{w}.metrics[{k!r}]")
    for section in ("summary", "baseline"):
        for k, v in data.get(section, {}).items():
            _check_value(v, f"{where}.{section}[{k!r}]")
    for k, v in data.get("paper", {}).items():
        if not isinstance(v, str):
            raise SchemaError(f"{where}.paper[{k!r}]: quote the paper's number with its source as a string")
    for i, c in enumerate(data["criteria"]):
        w = f"{where}.criteria[{i}]"
        _check_keys(c, {"name", "passed", "detail", "study"}, {"name", "passed"}, w)
        if not isinstance(c["passed"], bool):
            raise SchemaError(f"{w}.passed: expected true or false, got {c['passed']!r}")
    for i, r in enumerate(data.get("rows", [])):
        w = f"{where}.rows[{i}]"
        _check_keys(r, {"setting", "metric", "paper", "ours", "baseline"}, {"setting", "metric", "ours"}, w)
        for k in ("ours", "baseline"):
            _check_value(r.get(k), f"{w}.{k}")
    for name, t in data.get("tables", {}).items():
        w = f"{where}.tables[{name!r}]"
        _check_keys(t, {"columns", "rows"}, {"columns", "rows"}, w)
        width = len(t["columns"])
        for j, row in enumerate(t["rows"]):
            if len(row) != width:
                raise SchemaError(f"{w}.rows[{j}]: {len(row)} cells for {width} columns")
            _check_value(row, f"{w}.rows[{j}]")
    for i, fig in enumerate(data.get("figures", [])):
        _check_keys(fig, {"name", "path", "caption"}, {"name", "path"}, f"{where}.figures[{i}]")
    if "passed" in data:
        crit = data["criteria"]
        derived = None if not crit else all(c["passed"] for c in crit)
        if data["passed"] != derived:
            raise SchemaError(f"{where}.passed is {data['passed']!r} but the criteria say {derived!r}")


def read_results(path: str | Path) -> Results:
    """Read and validate one results file."""
    return Results.read(path)


# v1 name, kept for code written against paperzoo-shared 0.1
ResultsFile = Results
