"""Run every benchmark in turn and refresh docs/performance.md: `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["bench/bench_results.py", "--write-docs"],
    ["bench/bench_benchmark.py", "--sizes", "1000", "10000", "100000", "--requests", "40"],
    ["bench/bench_measures.py", "--write-docs"],
    ["bench/load.py", "--seconds", "10", "--connections", "16", "--repeat", "3", "--write-docs"],
    ["bench/bench_writes.py", "--write-docs"],
    ["bench/bench_pages.py", "--repeat", "5", "--write-docs"],
]


def main() -> int:
    for args in COMMANDS:
        print("==>", " ".join(args), flush=True)
        result = subprocess.run([sys.executable, *args], cwd=ROOT, check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
