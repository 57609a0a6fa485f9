"""`publish`: what `run` and `check` call with --report, --evidence, --baseline and --write-baseline."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.reports.evidence_check import verify
from conformance.reports.publish import PublishError, PublishOptions, prepare, publish
from tests.reports.conftest import FIXTURES, REPO, load_run

BASELINE = "version: 1\naccepted:\n- requirement: PDS-VER-001\n  justification: ETags in 4.2\n  expires: 2030-01-01\n"


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "key.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path


@pytest.mark.parametrize(("options", "message"), [
    (PublishOptions(formats=["html,docx"]), "--report: unknown report format 'docx'"),
    (PublishOptions(baseline=Path("/nonexistent/b.yaml")), "cannot read the baseline /nonexistent/b.yaml"),
    (PublishOptions(sign_key=Path("k.pem")), "--sign-key signs the evidence pack: give --evidence FILE.zip too"),
    (PublishOptions(evidence=Path("e.zip"), sign_key=Path("/nonexistent/k.pem")), "cannot read --sign-key"),
    (PublishOptions(include_inputs=True), "--include-inputs puts the checked files into the evidence pack"),
])
def test_prepare_refuses_options_that_cannot_work(options: PublishOptions, message: str) -> None:
    with pytest.raises(PublishError, match=message.replace("(", "\\(")):
        prepare(options)


def test_prepare_checks_the_key_type(tmp_path: Path) -> None:
    bad = tmp_path / "k.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(PublishError, match="--sign-key .*k.pem: not a PEM private key"):
        prepare(PublishOptions(evidence=tmp_path / "e.zip", sign_key=bad))


def test_publish_everything(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")
    summary = tmp_path / "step-summary.md"
    options = PublishOptions(formats=["junit,html", "json"], report_dir=tmp_path / "reports",
                             evidence=tmp_path / "evidence.zip", sign_key=key_file(tmp_path),
                             baseline=baseline, write_baseline=tmp_path / "new-baseline.yaml",
                             profile_dir=REPO / "fixtures" / "profiles" / "nhs-patient-demographics",
                             inputs=[FIXTURES / "file-check-run.json"], include_inputs=True)
    stream = io.StringIO()
    done = publish(load_run("scenario"), prepare(options), today=date(2026, 2, 1), annotations=stream,
                   env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.problems == []
    assert sorted(done.reports) == ["html", "json", "junit"]
    assert json.loads(done.reports["json"].read_text())["summary"]["accepted"] == 1
    assert done.result.exit_code() == 1  # three other failures are not in the baseline
    assert done.baseline_written == (tmp_path / "new-baseline.yaml", 5)
    assert done.evidence is not None and verify(done.evidence.path).ok
    assert done.annotated and stream.getvalue().count("::error") == 4 and stream.getvalue().count("::notice") == 1
    assert summary.read_text(encoding="utf-8").startswith("## ❌ FAIL")


def test_publish_collects_problems_and_writes_the_rest(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    options = PublishOptions(formats=["json"], report_dir=blocker / "reports", evidence=tmp_path / "e.zip",
                             write_baseline=blocker / "b.yaml")
    done = publish(load_run("scenario"), prepare(options), env={})
    assert [p.split(":")[0] for p in done.problems] == ["cannot write --write-baseline " + str(blocker / "b.yaml"),
                                                         "json"]
    assert done.evidence is not None and done.evidence.path.is_file()
    assert not done.annotated


def test_a_baseline_for_another_profile_is_a_problem(tmp_path: Path) -> None:
    baseline = tmp_path / "b.yaml"
    baseline.write_text("profile: other\n" + BASELINE, encoding="utf-8")
    done = publish(load_run("scenario"), prepare(PublishOptions(baseline=baseline)), env={})
    assert done.problems == [f"{baseline}: this baseline is for profile other, not nhs-patient-demographics"]
    assert done.result.exit_code() == 1
