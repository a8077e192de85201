"""scripts/bench_delivery.py runs end to end in quick mode: nobody gets a message twice and
nobody is left out, and a kill -9 repeats only the sends it caught unrecorded (its timings are
figures for the README, not assertions). Slow (about 20 seconds): left out of the default run,
`scripts/test -m slow` runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_quick_benchmark_completes_without_duplicates_or_losses() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_delivery.py"), "--quick",
                          "--json"], capture_output=True, text=True, timeout=300, check=False,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout)
    for run in ("a", "a_ask", "a300_5xx", "a_5xx"):
        assert results[run]["duplicates"] == 0 and results[run]["losses"] == 0
        assert results[run]["status"] == {"sent": results[run]["recipients"]}
    assert results["a_ask"]["questions"] > 0
    kill = results["e"]  # kill -9 mid-broadcast: nothing lost, repeats only what was unrecorded
    assert kill["losses"] == 0 and kill["status"] == {"sent": kill["recipients"]}
    assert kill["repeats"] <= sum(kill["unrecorded_at_kill"])
    assert results["b"]["duplicates"] == 0 and results["b"]["losses"] == 0
    assert results["c"]["planned"] == results["c"]["officers"]
