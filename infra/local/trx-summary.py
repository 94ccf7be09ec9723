#!/usr/bin/env python3
"""Sum the <Counters> of every .trx file under a folder and print one line:

    N passed, N failed[, N skipped]

"skipped" is printed only when some tests were not executed. Exit status:
0 when at least one test passed and none failed, 1 otherwise (including when
no .trx file or no executed test was found). Used by ./platform test and .ci/run.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
FAILED_OUTCOMES = ("failed", "error", "timeout", "aborted")


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: trx-summary.py RESULTS_DIR", file=sys.stderr)
        return 2
    files = sorted(Path(sys.argv[1]).rglob("*.trx")) if Path(sys.argv[1]).is_dir() else []
    total = executed = passed = failed = 0
    for trx in files:
        try:
            counters = ET.parse(trx).getroot().find(f"{NS}ResultSummary/{NS}Counters")
        except ET.ParseError as error:
            print(f"trx-summary: {trx} is not valid XML ({error}); counting the run as failed.", file=sys.stderr)
            failed += 1
            continue
        if counters is None:
            print(f"trx-summary: {trx} has no <Counters>; counting the run as failed.", file=sys.stderr)
            failed += 1
            continue
        count = lambda name: int(counters.get(name, "0"))
        total += count("total")
        executed += count("executed")
        passed += count("passed")
        failed += sum(count(name) for name in FAILED_OUTCOMES)
    skipped = max(total - executed, 0)
    if not files:
        print(f"trx-summary: no .trx file under {sys.argv[1]}: no test ran.", file=sys.stderr)
    elif executed == 0:
        print("trx-summary: no test was executed.", file=sys.stderr)
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 0 if executed > 0 and passed > 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
