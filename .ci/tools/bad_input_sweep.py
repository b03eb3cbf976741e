"""Repository tooling (never published): the bad-input sweep of issue #25.

Tries several hundred bad or unusual inputs against the public APIs of the packages, as a new user would, and
classifies what happens to each (the cases live in ``bad_inputs/`` beside this file, one module per package):

* ``clear``: an exception whose message names the argument or says what was expected (the case's regex);
* ``sensible``: accepted and the result is right (the case checks it), or a warning was raised where the
  conventions ask for one, or a failed write left the previous file intact;
* ``obscure``: an exception (from inside torch, numpy, ...) whose message does not match the case's regex;
* ``silent``: accepted with a wrong or NaN result, or a NaN-poisoned fit without a warning, or data lost on a
  failed write;
* ``crash``: the case ran past its time limit or killed the process running it.

Each package runs in a worker process (a crash costs one case, not the sweep). The results go to one JSON file
(written atomically) and a generated markdown page beside it::

    python .ci/tools/bad_input_sweep.py --out docs/reliability/bad-inputs.json [--packages anyloss lssl]
    python .ci/tools/bad_input_sweep.py --render docs/reliability/bad-inputs.json   (the page, no rerun)

Run it where the packages are installed (with their ``reproduce`` extras) and ``paperzoo_shared`` importable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTCOMES = ("clear", "sensible", "obscure", "silent", "crash")
PACKAGES = (
    "anyloss",
    "darts-core",
    "darts-pt",
    "deeponet",
    "dta-camouflage",
    "fbnet",
    "gradboost-nn",
    "gradient-noise",
    "info-plane",
    "layernorm",
    "lssl",
    "mgno",
    "nn-to-no",
    "noprop",
    "pde-data",
    "physics-moe",
    "proxylessnas",
    "quantized-distillation",
    "rarts",
    "regneuralde",
    "sd-darts",
    "sharpdarts",
    "sinenet",
    "snnk",
    "tell-clustering",
    "transferability",
    "tversky-torch",
    "wide-deep-ntk",
    "paperzoo-shared",  # the writers every package's reproduction and benchmarks use
)
CASE_TIMEOUT_S = 60
WATCHDOG_S = 420  # longer than the longest case's own limit
PREFIX = "@@case "


@dataclass
class Case:
    """One input. ``fn`` runs it; ``match`` is the regex a clear error's message must match; ``warn`` a
    warning that makes acceptance sensible; ``check`` judges an accepted result (True: right)."""

    package: str
    api: str
    input: str
    fn: Callable[[], Any]
    match: str | None = None
    warn: str | None = None
    check: Callable[[Any], Any] | None = None
    check_doc: str = ""
    timeout: int = CASE_TIMEOUT_S
    write: bool = False  # a failed-write case: a silent outcome is data loss

    @property
    def expected(self) -> str:
        parts = []
        if self.match is not None:
            parts.append(f"error /{self.match}/")
        if self.warn is not None:
            parts.append(f"warning /{self.warn}/")
        if self.check is not None:
            parts.append(f"accepted: {self.check_doc or 'checked result'}")
        return " or ".join(parts) or "error"


class Collector:
    """What the case modules add cases to: ``c.error(...)``, ``c.accept(...)``, ``c.warn(...)``."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.cases: list[Case] = []

    def add(self, api: str, input: str, fn: Callable[[], Any], **kw: Any) -> None:
        self.cases.append(Case(self.package, api, input, fn, **kw))

    def error(self, api: str, input: str, fn: Callable[[], Any], match: str, **kw: Any) -> None:
        """A clear error is expected (its message matching ``match``)."""
        self.add(api, input, fn, match=match, **kw)

    def accept(
        self, api: str, input: str, fn: Callable[[], Any], check: Callable[[Any], Any], doc: str, **kw: Any
    ) -> None:
        """Acceptance with a right result is expected (``check(result)`` is true); a clear error matching
        ``match`` (when given) is as good."""
        self.add(api, input, fn, check=check, check_doc=doc, **kw)

    def warn(self, api: str, input: str, fn: Callable[[], Any], warn: str, **kw: Any) -> None:
        """A warning matching ``warn`` (or a clear error matching ``match``, when given) is expected."""
        self.add(api, input, fn, warn=warn, **kw)


def build_cases(package: str) -> list[Case]:
    import importlib

    sys.path.insert(0, str(HERE))
    c = Collector(package)
    importlib.import_module("bad_inputs." + package.replace("-", "_")).cases(c)
    return c.cases


# ------------------------------------------------------------------------------------------------ running


class _Timeout(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


_TMP = re.compile(re.escape(tempfile.gettempdir()) + r"/[\w.-]+")


def _head(text: str, n: int = 200) -> str:
    """The first ``n`` characters, on one line, temporary paths replaced by ``<tmp>`` (no machine paths)."""
    text = _TMP.sub("<tmp>", " ".join(str(text).split()))
    return text if len(text) <= n else text[: n - 1] + "…"


def classify(case: Case) -> dict[str, Any]:
    """Run one case and say what happened."""
    t0 = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(case.timeout)
    result: Any = None
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.fn()
        except _Timeout:
            error = TimeoutError(f"ran past {case.timeout} s")
        except Exception as err:  # noqa: BLE001 - any exception is an outcome
            error = err
        finally:
            signal.alarm(0)
    row: dict[str, Any] = {
        "package": case.package,
        "api": case.api,
        "input": case.input,
        "expected": case.expected,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if error is not None:
        msg = f"{type(error).__name__}: {error}"
        if isinstance(error, TimeoutError) and str(error).startswith("ran past"):
            outcome = "crash"
        elif case.match is not None and re.search(case.match, str(error), re.S):
            outcome = "clear"
        else:
            outcome = "obscure"
            tb = traceback.extract_tb(error.__traceback__)
            if tb:
                msg += f" [at {Path(tb[-1].filename).name}:{tb[-1].lineno}]"
        row.update(outcome=outcome, message=_head(msg))
        return row
    warned = [str(w.message) for w in caught]
    if case.warn is not None and any(re.search(case.warn, w, re.S) for w in warned):
        row.update(
            outcome="sensible",
            message=_head("warning: " + next(w for w in warned if re.search(case.warn, w, re.S))),
        )
        return row
    if case.check is not None:
        try:
            verdict = case.check(result)  # True/None: right; False or a string (what is wrong): wrong
            detail = verdict if isinstance(verdict, str) else ""
            ok = not isinstance(verdict, str) and (verdict is None or bool(verdict))
        except Exception as err:  # noqa: BLE001
            ok, detail = False, f"check failed: {type(err).__name__}: {err}"
        row.update(
            outcome="sensible" if ok else "silent",
            message=_head(("accepted" if ok else "accepted, wrong: ") + (detail or case.check_doc)),
        )
    else:
        row.update(
            outcome="silent",
            message=_head("accepted without an error" + (f"; warnings: {warned}" if warned else "")),
        )
    if case.write and row["outcome"] == "silent":
        row["data_loss"] = True
    return row


def worker(package: str, start: int) -> None:
    """Run the cases of one package from index ``start``, one JSON line each on stdout."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    cases = build_cases(package)
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the cases print goes to stderr
    for i in range(start, len(cases)):
        torch.manual_seed(0)
        row = classify(cases[i])
        row["index"] = i
        out.write(PREFIX + json.dumps(row, default=str) + "\n")
        out.flush()
    out.write(PREFIX + json.dumps({"done": len(cases)}) + "\n")
    out.flush()


def run_package(package: str, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Run one package's cases in worker processes; a worker that dies or hangs costs the case it was on."""
    rows: list[dict[str, Any]] = []
    start = 0
    while True:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_worker", package, "--_start", str(start)]
        # unbuffered bytes: readline reads up to the newline only, so select() never misses a line in a buffer
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        assert proc.stdout is not None
        done: int | None = None
        hung = False
        while True:
            # a case stuck inside native code never sees its SIGALRM: the worker is killed after WATCHDOG_S
            ready, _, _ = select.select([proc.stdout], [], [], WATCHDOG_S)
            if not ready:
                hung = True
                proc.kill()
                break
            line = proc.stdout.readline().decode()
            if not line:
                break
            if not line.startswith(PREFIX):
                continue
            item = json.loads(line[len(PREFIX) :])
            if "done" in item:
                done = item["done"]
                break
            rows.append(item)
            start = item["index"] + 1
        proc.wait()
        if done is not None:
            break
        rows.append(
            {
                "package": package,
                "api": "?",
                "input": f"case #{start}",
                "expected": "?",
                "outcome": "crash",
                "message": f"hung: no answer in {WATCHDOG_S} s"
                if hung
                else f"the worker died (exit {proc.returncode})",
                "index": start,
            }
        )
        log(f"  {package}: worker died on case #{start} (exit {proc.returncode})")
        start += 1
    for row in rows:
        row.pop("index", None)
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    t: dict[str, Any] = {k: 0 for k in OUTCOMES}
    for r in rows:
        t[r["outcome"]] += 1
    t["cases"] = len(rows)
    t["clear_or_sensible"] = round((t["clear"] + t["sensible"]) / len(rows), 4) if rows else None
    t["data_loss"] = sum(bool(r.get("data_loss")) for r in rows)
    return t


def summarize(rows: list[dict[str, Any]], packages: list[str], seconds: float) -> dict[str, Any]:
    import platform

    import torch

    return {
        "kind": "bad-input-sweep",
        "issue": 25,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "seconds": round(seconds, 1),
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "packages": packages,
        "totals": totals(rows),
        "per_package": {p: totals([r for r in rows if r["package"] == p]) for p in packages},
        "cases": rows,
    }


# ------------------------------------------------------------------------------------------------ the page


def _cell(text: Any, code: bool = False) -> str:
    """One table cell: pipes escaped, one line; square brackets escaped outside code spans (mkdocs' autorefs
    would read ``['weight']`` or ``[--only STUDY ...]`` as cross-references)."""
    out = str(text).replace("|", "\\|").replace("\n", " ")
    return out if code else out.replace("[", "\\[").replace("]", "\\]")


def render(data: dict[str, Any]) -> str:
    """The markdown page, from the sweep's JSON alone."""
    t = data["totals"]
    cols = [*OUTCOMES, "cases", "clear or sensible", "data loss"]

    def line(name: str, s: dict[str, Any]) -> str:
        share = "" if s["clear_or_sensible"] is None else f"{100 * s['clear_or_sensible']:.1f} %"
        return (
            "| "
            + " | ".join([name, *(str(s[k]) for k in OUTCOMES), str(s["cases"]), share, str(s["data_loss"])])
            + " |"
        )

    out = [
        "# Bad inputs",
        "",
        "<!-- generated by .ci/tools/bad_input_sweep.py from bad-inputs.json: do not edit -->",
        "",
        f"The bad-input sweep of issue #25 ({data['date']}, torch {data['versions']['torch']}, "
        f"{data['seconds']:.0f} s): {t['cases']} bad or unusual inputs to the public APIs of "
        f"{len(data['packages'])} packages, as a new user would try them. Each case says what it expects; the tool "
        "classifies what happened:",
        "",
        "- **clear**: an error whose message names the argument or says what was expected;",
        "- **sensible**: accepted with a right result (checked), a warning where one is due, or a failed write "
        "that left the previous file intact;",
        "- **obscure**: an error from inside a dependency that does not say what was wrong;",
        "- **silent**: accepted with a wrong or NaN result without a word (or data lost on a failed write);",
        "- **crash**: a hang (past the case's time limit) or a dead process.",
        "",
        "Rerun with `python .ci/tools/bad_input_sweep.py --out docs/reliability/bad-inputs.json`; regenerate this "
        "page alone with `--render docs/reliability/bad-inputs.json`.",
        "",
        "## Totals",
        "",
        "| package | " + " | ".join(cols) + " |",
        "|" + "---|" * (len(cols) + 1),
        *(line(p, data["per_package"][p]) for p in data["packages"]),
        line("**all**", t),
        "",
    ]
    bad = [r for r in data["cases"] if r["outcome"] not in ("clear", "sensible")]
    out += ["## Cases not clear or sensible", ""]
    if bad:
        out += ["| package | API | input | expected | outcome | message |", "|---|---|---|---|---|---|"]
        out += [
            f"| {r['package']} | `{_cell(r['api'], code=True)}` | {_cell(r['input'])} | {_cell(r['expected'])} | "
            f"{r['outcome']} | {_cell(r['message'])} |"
            for r in bad
        ]
    else:
        out.append("None.")
    out += ["", "## Every case", ""]
    for p in data["packages"]:
        rows = [r for r in data["cases"] if r["package"] == p]
        out += [f"### {p}", "", "| API | input | expected | outcome | message |", "|---|---|---|---|---|"]
        out += [
            f"| `{_cell(r['api'], code=True)}` | {_cell(r['input'])} | {_cell(r['expected'])} | {r['outcome']} | "
            f"{_cell(r['message'])} |"
            for r in rows
        ]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_outputs(data: dict[str, Any], out: Path) -> Path:
    from paperzoo_shared.results import atomic_write_text

    atomic_write_text(out, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    page = out.with_suffix(".md")
    atomic_write_text(page, render(data))
    return page


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="the JSON to write (the markdown page goes beside it, .md)")
    ap.add_argument("--packages", nargs="+", choices=PACKAGES, help="a subset of the packages")
    ap.add_argument("--render", type=Path, metavar="JSON", help="only regenerate the page from this JSON")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--_worker", help=argparse.SUPPRESS)
    ap.add_argument("--_start", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._worker:
        worker(args._worker, args._start)
        return 0
    if args.render:
        from paperzoo_shared.results import atomic_write_text

        data = json.loads(args.render.read_text(encoding="utf-8"))
        page = atomic_write_text(args.render.with_suffix(".md"), render(data))
        print(f"wrote {page}")
        return 0
    packages = list(args.packages or PACKAGES)
    if args.list:
        for p in packages:
            for case in build_cases(p):
                print(f"{p}\t{case.api}\t{case.input}\t{case.expected}")
        return 0
    if args.out is None:
        ap.error("--out is required (or --render / --list)")
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for p in packages:
        tp = time.perf_counter()
        got = run_package(p, lambda s: print(s, file=sys.stderr, flush=True))
        rows += got
        s = totals(got)
        print(
            f"{p:15s} {s['cases']:4d} cases  "
            + "  ".join(f"{k} {s[k]}" for k in OUTCOMES)
            + f"  ({time.perf_counter() - tp:.0f} s)",
            flush=True,
        )
    data = summarize(rows, packages, time.perf_counter() - t0)
    s = data["totals"]
    print(
        f"{'all':15s} {s['cases']:4d} cases  "
        + "  ".join(f"{k} {s[k]}" for k in OUTCOMES)
        + f"  clear or sensible {100 * s['clear_or_sensible']:.1f} %  data loss {s['data_loss']}",
        flush=True,
    )
    for r in rows:
        if r["outcome"] not in ("clear", "sensible"):
            print(f"  {r['outcome']:8s} {r['package']} {r['api']} [{r['input']}]: {r['message']}", flush=True)
    try:
        page = write_outputs(data, args.out)
    except OSError as err:
        fd, tmp = tempfile.mkstemp(prefix="bad-inputs-", suffix=".json")
        os.close(fd)
        page = write_outputs(data, Path(tmp))
        print(f"could not write {args.out} ({err}); the results are in {tmp}", file=sys.stderr)
    else:
        print(f"wrote {args.out} and {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
