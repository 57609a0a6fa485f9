"""Version ordering and dependency ranges (conformance.packages.versions)."""

from __future__ import annotations

import pytest

from conformance.packages import versions

AVAILABLE = ["0.3.1", "0.3.9", "0.4.0", "1.0.0", "1.2.0", "1.2.5", "2.0.0", "2.1.0-ballot"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1.2.0", "1.2.0"),            # exact
        ("3.0.0", None),               # exact, absent: no fallback to another version
        ("2.1.0-ballot", "2.1.0-ballot"),
        ("^1.0.0", "1.2.5"),
        ("~1.2.0", "1.2.5"),
        ("1.x", "1.2.5"),
        ("1", "1.2.5"),
        ("1.2", "1.2.5"),
        (">=1.2 <2", "1.2.5"),
        (">1.2.0", "2.0.0"),           # pre-releases only when named exactly
        ("<1.2.0 || >=2", "2.0.0"),
        ("^0.3.1", "0.3.9"),           # caret keeps the left-most non-zero part
        ("latest", "2.1.0-ballot"),    # tags select the highest of all
        ("current", "2.1.0-ballot"),
        ("^5.0.0", None),
    ],
)
def test_best_match(spec: str, expected: str | None) -> None:
    assert versions.best_match(spec, AVAILABLE) == expected


def test_sort_key_orders_numerically_with_prereleases_first() -> None:
    shuffled = ["1.10.0", "1.0.0", "1.0.0-ballot", "1.2.0", "0.9", "1.0.0-a.10", "1.0.0-a.2", "junk"]
    assert sorted(shuffled, key=versions.sort_key) == [
        "junk", "0.9", "1.0.0-a.2", "1.0.0-a.10", "1.0.0-ballot", "1.0.0", "1.2.0", "1.10.0"
    ]


@pytest.mark.parametrize(("spec", "exact"), [("4.0.1", True), ("1.0.0-ballot", True), ("1.x", False),
                                             ("^1.0.0", False), ("current", False), ("4.0", False)])
def test_is_exact(spec: str, exact: bool) -> None:
    assert versions.is_exact(spec) is exact
