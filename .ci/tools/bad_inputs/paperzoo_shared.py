"""Bad-input cases of paperzoo-shared: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Any

from .common import failed_write


def cases(c: Any) -> None:
    """The writers every package's reproduction and benchmarks use (results files, benchmark files, ``--out``)."""
    from pathlib import Path

    from paperzoo_shared.results import Results
    from paperzoo_shared.runner import write_or_fallback

    body_results = """
        from paperzoo_shared.results import Results
        def res(n):
            r = Results(package="demo", version="0.1", preset="quick")
            for s in range(n):
                r.add_seed(s, {"acc": 0.5 + s / 1000})
            return r
        def write_old(p):
            res(2).write(p)
        def write_new(p):
            res(200).write(p)
        def valid(p):
            Results.read(p)
        """
    failed_write(c, "paperzoo_shared.results.Results.write", body_results, name="quick.json")
    failed_write(
        c,
        "paperzoo_shared.bench.write_bench",
        """
        from paperzoo_shared.bench import Comparison, Timing, write_bench
        from paperzoo_shared.results import Results
        def comps(n):
            return [Comparison(task=f"t{i}", reference="a", timings={"a": Timing(1.0, 0.9, 1.1, 10), "b": Timing(2.0, 1.9, 2.1, 10)}) for i in range(n)]
        def write_old(p):
            write_bench(p, comps(1), package="demo", version="0.1")
        def write_new(p):
            write_bench(p, comps(100), package="demo", version="0.1")
        def valid(p):
            Results.read(p)
        """,
        name="bench.json",
    )
    failed_write(
        c,
        "paperzoo_shared.runner.write_or_fallback",
        body_results.replace(
            "res(200).write(p)",
            "from paperzoo_shared.runner import write_or_fallback; write_or_fallback(res(200), p)",
        ),
        name="quick.json",
    )

    def unwritable() -> Any:
        r = Results(package="demo", version="0.1", preset="quick")
        r.add_seed(0, {"acc": 0.5})
        path = write_or_fallback(r, Path("/proc/no-such-dir/quick.json"))
        ok = Results.read(path).per_seed == r.to_dict()["per_seed"]
        os.unlink(path)
        return ok

    c.accept(
        "paperzoo_shared.runner.write_or_fallback",
        "an unwritable --out",
        unwritable,
        lambda ok: ok is True,
        "falls back to a named temporary file",
    )

    def cli_unwritable() -> Any:
        proc = subprocess.run(
            [
                os.path.join(os.path.dirname(sys.executable), "gradient-noise-reproduce"),
                "--preset",
                "quick",
                "--only",
                "deep_mlp",
                "--no-progress",
                "--out",
                "/proc/no-such-dir/quick.json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        m = re.search(r"the results are in (\S+\.json)", proc.stderr)
        if not m:
            return f"exit {proc.returncode}: {proc.stderr[-300:]}"
        data = json.loads(Path(m.group(1)).read_text())
        os.unlink(m.group(1))
        return data["package"] == "gradient-noise"

    c.accept(
        "<dist>-reproduce --out",
        "an unwritable --out (gradient-noise quick, one study)",
        cli_unwritable,
        lambda r: r is True,
        "the finished run is kept in a named temporary file",
        timeout=300,
    )
    c.error(
        "paperzoo_shared.results.Results.read",
        "a truncated results file",
        lambda: _truncated_results(),
        r"quick\.json.*not valid JSON",
    )


def _truncated_results() -> Any:
    from paperzoo_shared.results import Results

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "quick.json")
        open(p, "w").write('{"schema": 2, "kind": "repro')
        return Results.read(p)
