"""Closing summary of a pytest run, read from its JUnit XML: the skipped tests grouped by reason, then the counts."""

import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict

SHOW_PER_REASON = 10


def summarize(path: str) -> list[str]:
    root = ElementTree.parse(path).getroot()  # noqa: S314  (a file pytest wrote a moment ago)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(suite.get("tests", 0)) for suite in suites)
    failed = sum(int(suite.get("failures", 0)) + int(suite.get("errors", 0)) for suite in suites)
    skipped_by_reason: dict[str, list[str]] = defaultdict(list)
    for case in root.iter("testcase"):
        skip = case.find("skipped")
        if skip is not None:
            test = f"{case.get('classname', '')}::{case.get('name', '')}"
            skipped_by_reason[skip.get("message") or "no reason given"].append(test)
    skipped = sum(len(tests) for tests in skipped_by_reason.values())
    lines: list[str] = []
    if skipped:
        lines.append(f"Skipped {skipped} test(s):")
        for reason, tests in sorted(skipped_by_reason.items(), key=lambda item: -len(item[1])):
            lines.append(f"  {len(tests)} x {reason}")
            lines.extend(f"      {test}" for test in tests[:SHOW_PER_REASON])
            if len(tests) > SHOW_PER_REASON:
                lines.append(f"      ... and {len(tests) - SHOW_PER_REASON} more")
    else:
        lines.append("No test was skipped.")
    lines.append(f"tests: {total - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return lines


if __name__ == "__main__":
    print("\n".join(summarize(sys.argv[1])))
