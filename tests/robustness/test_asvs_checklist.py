"""docs/security-checklist.md cannot rot: every test it cites exists, and every ASVS level-2 requirement is listed."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from hub.settings import REPO_ROOT

CHECKLIST = REPO_ROOT / "docs" / "security-checklist.md"
CITATION = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")
ROW = re.compile(r"^\| (\d+\.\d+\.\d+) \|", re.M)
STATUS = re.compile(r"^\| \d+\.\d+\.\d+ \| [^|]+ \| \*\*(test|n/a|exception|not yet met)\*\*: ", re.M)
SUMMARY = re.compile(
    r"Summary: (\d+) requirements; (\d+) \*\*test\*\*, (\d+) \*\*n/a\*\*, (\d+) \*\*exception\*\*, (\d+) \*\*not yet met\*\*"
)

# ASVS 4.0.3 level-2 requirements (the deleted ones excluded), by chapter: the checklist must answer each.
LEVEL_2 = {
    "V1": "1.1.1-1.1.7 1.2.1-1.2.4 1.4.1 1.4.4 1.4.5 1.5.1-1.5.4 1.6.1-1.6.4 1.7.1 1.7.2 1.8.1 1.8.2 1.9.1 1.9.2 "
    "1.10.1 1.11.1 1.11.2 1.12.2 1.14.1-1.14.6",
    "V2": "2.1.1-2.1.12 2.2.1-2.2.3 2.3.1-2.3.3 2.4.1-2.4.6 2.5.1-2.5.7 2.6.1-2.6.3 2.7.1-2.7.6 2.8.1-2.8.6 "
    "2.9.1-2.9.3 2.10.1-2.10.4",
    "V3": "3.1.1 3.2.1-3.2.4 3.3.1-3.3.4 3.4.1-3.4.5 3.5.1-3.5.3 3.7.1",
    "V4": "4.1.1-4.1.3 4.1.5 4.2.1 4.2.2 4.3.1-4.3.3",
    "V5": "5.1.1-5.1.5 5.2.1-5.2.8 5.3.1-5.3.10 5.4.1-5.4.3 5.5.1-5.5.4",
    "V6": "6.1.1-6.1.3 6.2.1-6.2.6 6.3.1 6.3.2 6.4.1 6.4.2",
    "V7": "7.1.1-7.1.4 7.2.1 7.2.2 7.3.1 7.3.3 7.3.4 7.4.1-7.4.3",
    "V8": "8.1.1-8.1.4 8.2.1-8.2.3 8.3.1-8.3.8",
    "V9": "9.1.1-9.1.3 9.2.1-9.2.4",
    "V10": "10.2.1 10.2.2 10.3.1-10.3.3",
    "V11": "11.1.1-11.1.8",
    "V12": "12.1.1-12.1.3 12.2.1 12.3.1-12.3.6 12.4.1 12.4.2 12.5.1 12.5.2 12.6.1",
    "V13": "13.1.1 13.1.3-13.1.5 13.2.1-13.2.3 13.2.5 13.2.6 13.3.1 13.3.2 13.4.1 13.4.2",
    "V14": "14.1.1-14.1.4 14.2.1-14.2.6 14.3.2 14.3.3 14.4.1-14.4.7 14.5.1-14.5.4",
}


def _expand(spec: str) -> list[str]:
    numbers = []
    for item in spec.split():
        if "-" not in item:
            numbers.append(item)
            continue
        first, last = item.split("-")
        prefix = first.rsplit(".", 1)[0]
        numbers += [f"{prefix}.{n}" for n in range(int(first.rsplit(".", 1)[1]), int(last.rsplit(".", 1)[1]) + 1)]
    return numbers


@cache
def _test_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def test_every_test_the_checklist_cites_exists() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    citations = CITATION.findall(text)
    assert len(citations) > 50
    missing = []
    for file, name in citations:
        path = REPO_ROOT / file
        if not path.is_file():
            missing.append(f"{file} (no such file)")
        elif name and name not in _test_names(path):
            missing.append(f"{file}::{name} (no such test)")
    assert missing == [], "\n".join(missing)


def test_every_level_2_requirement_has_exactly_one_row() -> None:
    rows = ROW.findall(CHECKLIST.read_text(encoding="utf-8"))
    expected = [number for spec in LEVEL_2.values() for number in _expand(spec)]
    duplicates = sorted({number for number in rows if rows.count(number) > 1})
    assert duplicates == []
    assert sorted(set(expected) - set(rows)) == []
    assert sorted(set(rows) - set(expected)) == []


def test_every_row_has_one_of_the_four_answers_and_the_summary_counts_them() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    statuses = STATUS.findall(text)
    assert len(statuses) == len(ROW.findall(text))
    summary = SUMMARY.search(" ".join(text.split()))
    assert summary, "no summary line"
    total, *counts = (int(n) for n in summary.groups())
    assert total == len(statuses)
    assert counts == [statuses.count(s) for s in ("test", "n/a", "exception", "not yet met")]
