import json
import time

import pytest

from paperzoo_shared.bench import Comparison, peak_memory, ratio_table, time_fn, write_bench


def test_time_fn_calls_exactly_warmup_plus_repeat_times():
    calls = []
    time_fn(lambda: calls.append(1), warmup=2, repeat=3)
    assert len(calls) == 5
    time_fn(lambda: calls.append(1), warmup=0, repeat=1)
    assert len(calls) == 6


def test_time_fn_measures_sleep():
    t = time_fn(lambda: time.sleep(0.01), warmup=1, repeat=5)
    assert 0.009 <= t.min <= t.median <= t.max < 0.2
    with pytest.raises(ValueError, match="repeat"):
        time_fn(lambda: None, repeat=0)


def test_comparison_ratio_and_table(tmp_path):
    c = Comparison(task="sleep", reference="slow")
    c.add("slow", time_fn(lambda: time.sleep(0.02), warmup=0, repeat=3))
    c.add("fast", time_fn(lambda: time.sleep(0.005), warmup=0, repeat=3), note="x")
    assert c.ratio("slow") == 1.0
    assert 0.1 < c.ratio("fast") < 0.6
    table = ratio_table([c])
    assert "| sleep | fast |" in table and "note=x" in table
    path = write_bench(tmp_path / "bench.json", [c], package="demo", version="0.1.0")
    data = json.loads(path.read_text())
    assert data["tables"]["bench"]["rows"][1][1] == "fast"
    assert (
        data["kind"] == "benchmark"
        and data["schema"] == 2
        and set(data["data"]["comparisons"][0]["ratios"]) == {"slow", "fast"}
    )


def test_peak_memory_reports_rss():
    mem = peak_memory(lambda: bytearray(10 * 2**20))
    assert mem["cpu_peak_rss_mb"] > 10
