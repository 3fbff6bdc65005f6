"""casetui benchmarks: build realistic data, measure, print one JSON object as the last line.

Each ``bench_*.py`` module beside this file exposes ``run(workdir: Path, args) -> dict`` of
figures (one key per figure). ``python tests/bench/run.py [--only NAME ...] [--pg URL]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the checkout, so casetui imports from source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="bench module names without 'bench_' (default: all)")
    parser.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    parser.add_argument("--runs", type=int, default=5, help="repetitions for medians (default 5)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    # The benches measure a worker's day, not the first run's questions (asked while no name is recorded).
    os.environ.setdefault("CASETUI_WORKER", "J. Rivera")
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n.removeprefix("bench_") in args.only]
    figures: dict = {}
    for name in names:
        module = importlib.import_module(name)
        with tempfile.TemporaryDirectory(prefix=f"casetui-{name}-") as workdir:
            result = module.run(Path(workdir), args)
        print(f"{name}: {json.dumps(result)}", file=sys.stderr)
        figures.update(result)
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
