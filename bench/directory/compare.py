"""Compare two result files of run.py, e.g. before and after a change:

    python bench/directory/compare.py bench/results/directory-sqlite.json OTHER.json

Prints a Markdown table of p95 (wall) and CPU p50/p95 per request and user.
"""

import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__)
        return 2
    before, after = (json.loads(Path(a).read_text()) for a in argv)
    rows = {(r["user"], r["scenario"]): r for r in after["results"]}
    print(f"{before['database_version']}: before = {argv[0]}, after = {argv[1]}\n")
    print("| request | user | p95 ms before → after | CPU p50 ms before → after "
          "| CPU p95 ms before → after |")
    print("| --- | --- | ---: | ---: | ---: |")
    for b in before["results"]:
        a = rows.get((b["user"], b["scenario"]))
        if a is None:
            continue
        print(f"| {b['scenario']} | {b['user']} | {b['p95_ms']:.0f} → {a['p95_ms']:.0f} | "
              f"{b['cpu_p50_ms']:.0f} → {a['cpu_p50_ms']:.0f} | "
              f"{b['cpu_p95_ms']:.0f} → {a['cpu_p95_ms']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
