"""Writing the requested formats: atomically, each on its own, incomplete runs marked in every one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from conformance.reports import writer
from conformance.reports.writer import FORMATS, ReportError, parse_formats, write_reports
from tests.reports.conftest import load_run


def test_parse_formats() -> None:
    assert parse_formats(["junit,html", " json ", "junit"]) == ["junit", "html", "json"]
    assert parse_formats(["all"]) == list(FORMATS)
    with pytest.raises(ValueError, match="unknown report format 'pdf'; known: json, junit, html, testreport, sarif"):
        parse_formats(["html,pdf"])


def test_writes_every_format_and_nothing_else(tmp_path: Path) -> None:
    written = write_reports(load_run("scenario"), ["all"], tmp_path / "out")
    assert {name: p.name for name, p in written.items()} == {
        "json": "results.json", "junit": "junit.xml", "html": "report.html", "testreport": "testreport.json",
        "sarif": "results.sarif", "markdown": "summary.md", "outcome": "outcome.json"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written.values())


def test_incomplete_run_is_marked_in_every_format(tmp_path: Path) -> None:
    result = load_run("file-check")
    result.incomplete = True
    out = write_reports(result, ["all"], tmp_path)
    assert json.loads(out["json"].read_text())["incomplete"] is True
    assert etree.parse(str(out["junit"])).getroot().get("name").endswith("(incomplete)")
    assert "Incomplete run." in out["html"].read_text()
    reports = json.loads(out["testreport"].read_text())["entry"]
    assert reports[-1]["resource"]["status"] == "stopped"
    sarif = json.loads(out["sarif"].read_text())["runs"][0]["invocations"][0]
    assert sarif["executionSuccessful"] is False
    assert "> **Incomplete:**" in out["markdown"].read_text()
    assert json.loads(out["outcome"].read_text())["entry"][-1]["resource"]["issue"][0]["code"] == "incomplete"


def test_verdict_formats_follow_require_all(tmp_path: Path) -> None:
    out = write_reports(load_run("scenario"), ["markdown", "sarif"], tmp_path)
    assert "(exit 1)" in out["markdown"].read_text()


def test_a_failing_format_does_not_cost_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(result):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    from conformance.reports import junit

    monkeypatch.setattr(junit, "render", broken)
    with pytest.raises(ReportError) as caught:
        write_reports(load_run("scenario"), ["junit", "json"], tmp_path)
    assert caught.value.problems == ["junit: internal error while rendering (RuntimeError: boom); please report it"]
    assert list(caught.value.written) == ["json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_an_unwritable_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError) as caught:
        write_reports(load_run("scenario"), ["json"], blocker / "sub")
    assert caught.value.problems[0].startswith(f"json: cannot write {blocker / 'sub' / 'results.json'}:")


def test_replacing_a_report_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old file stays whole when writing the new one fails, and no temporary file is left."""
    (tmp_path / "results.json").write_text("old", encoding="utf-8")
    import conformance.reports.atomic as atomic

    def fail_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail_replace)
    with pytest.raises(ReportError, match="No space left on device"):
        write_reports(load_run("scenario"), ["json"], tmp_path)
    assert (tmp_path / "results.json").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_each_report_file_is_named_as_its_module_names_it() -> None:
    import importlib

    for spec in writer.FORMATS.values():
        module = importlib.import_module(f"conformance.reports.{spec.module}")
        assert spec.file_name == getattr(module, "FILE_NAME", "results.json"), spec.name
        assert spec.render is module.render
        assert spec.stream is (module.write if spec.streams else None)
