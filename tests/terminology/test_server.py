"""The optional terminology server: asked last, answers recorded, replayed offline, failing fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.definitions.registry import Definitions
from conformance.terminology.server import TxAnswer, TxCache, TxClient
from conformance.terminology.service import Terminology, create_terminology
from tests.terminology.conftest import SYSTEMS, FakeTx, valueset_url

SCT = SYSTEMS["sct"]
FINDINGS = valueset_url("snomed-is-a") or ""
MI = "22298006"
ASTHMA = "195967001"


@pytest.fixture
def known(fake_tx: FakeTx) -> FakeTx:
    fake_tx.known = {(FINDINGS, SCT, MI): "Myocardial infarction", (None, SCT, ASTHMA): "Asthma"}
    return fake_tx


def _service(definitions: Definitions, url: str | None, cache: Path | None = None, *, connect_timeout: float = 5.0,
             read_timeout: float = 30.0) -> Terminology:
    client = TxClient(url, TxCache(cache) if cache is not None else None, connect_timeout=connect_timeout,
                      read_timeout=read_timeout)
    return Terminology(definitions, tx=client)


def test_local_knowledge_is_used_first(fixture_definitions: Definitions, known: FakeTx) -> None:
    service = _service(fixture_definitions, known.url)
    assert service.validate_code(valueset_url("listed"), SYSTEMS["animals"], "dog").outcome == "ok"
    assert service.validate_code(valueset_url("listed"), SYSTEMS["animals"], "whale").outcome == "not-in-valueset"
    assert service.validate_code(FINDINGS, SCT, "22298007").outcome == "unknown-code"  # syntax decides
    assert known.requests == []


def test_the_server_answers_what_cannot_be_decided_locally(fixture_definitions: Definitions, known: FakeTx,
                                                          tmp_path: Path) -> None:
    service = _service(fixture_definitions, known.url, tmp_path / "tx")
    inside = service.validate_code(FINDINGS, SCT, MI, "Myocardial infarction")
    assert (inside.outcome, inside.source, inside.display_message) == ("ok", "server", None)
    outside = service.validate_code(FINDINGS, SCT, "38341003")
    assert (outside.outcome, outside.source) == ("not-in-valueset", "server")
    assert outside.message == f"38341003 is not in {FINDINGS}"
    assert known.requests == [
        ("/fhir/ValueSet/$validate-code", {"url": FINDINGS, "system": SCT, "code": MI,
                                           "display": "Myocardial infarction"}),
        ("/fhir/ValueSet/$validate-code", {"url": FINDINGS, "system": SCT, "code": "38341003"}),
    ]
    assert len(list((tmp_path / "tx").glob("*.json"))) == 2


def test_a_code_system_question_without_a_value_set(fixture_definitions: Definitions, known: FakeTx) -> None:
    service = _service(fixture_definitions, known.url)
    assert service.validate_code(None, SCT, ASTHMA).outcome == "ok"
    assert service.validate_code(None, SCT, "38341003").outcome == "unknown-code"
    assert known.requests[0] == ("/fhir/CodeSystem/$validate-code", {"url": SCT, "code": ASTHMA})


def test_a_wrong_display_alone_is_a_warning_not_a_failure(fixture_definitions: Definitions, known: FakeTx) -> None:
    service = _service(fixture_definitions, known.url)
    check = service.validate_code(FINDINGS, SCT, MI, "Heart attack")
    assert check.outcome == "ok"
    assert check.display_message == "wrong display 'Heart attack'"
    assert [params.get("display") for _, params in known.requests] == ["Heart attack", None]


def test_a_run_replays_from_the_cache_with_the_server_stopped(fixture_definitions: Definitions, known: FakeTx,
                                                              tmp_path: Path) -> None:
    cache = tmp_path / "tx"
    questions = [(FINDINGS, SCT, MI, None), (FINDINGS, SCT, "38341003", None), (None, SCT, ASTHMA, "Asthma")]
    recording = _service(fixture_definitions, known.url, cache)
    first = [recording.validate_code(*q) for q in questions]
    known.stop()
    replaying = _service(fixture_definitions, known.url, cache)
    second = [replaying.validate_code(*q) for q in questions]
    assert [(c.outcome, c.message) for c in second] == [(c.outcome, c.message) for c in first]
    assert [c.outcome for c in second] == ["ok", "not-in-valueset", "ok"]
    assert {c.source for c in second} == {"cache"}
    assert replaying.tx is not None and replaying.tx.sent == 0


def test_an_unanswered_question_with_no_server_is_not_validated(fixture_definitions: Definitions,
                                                                tmp_path: Path) -> None:
    service = create_terminology(fixture_definitions, tx=None, tx_cache=tmp_path / "empty")
    check = service.validate_code(FINDINGS, SCT, MI)
    assert check.outcome == "not-validated"
    assert check.message == (f"{SCT} cannot be expanded offline; no terminology server was given and the answer "
                             "is not in the cache")
    assert check.server_warning is None


def test_an_unreachable_server_fails_fast_with_one_warning(fixture_definitions: Definitions,
                                                           closed_port_url: str) -> None:
    service = _service(fixture_definitions, closed_port_url, connect_timeout=2.0, read_timeout=2.0)
    first = service.validate_code(FINDINGS, SCT, MI)
    assert first.outcome == "not-validated"
    assert first.server_warning == "connection refused"
    assert service.tx is not None and service.tx.sent == 2  # one try, one retry
    later = [service.validate_code(FINDINGS, SCT, code) for code in ("38341003", ASTHMA)]
    assert [c.outcome for c in later] == ["not-validated", "not-validated"]
    assert [c.server_warning for c in later] == [None, None]  # reported once per run
    assert all("is unreachable (connection refused)" in c.message for c in later)
    assert service.tx.sent == 2  # given up: nothing more is sent
    assert service.validate_code(valueset_url("listed"), SYSTEMS["animals"], "dog").outcome == "ok"


def test_a_slow_server_times_out_into_not_validated(fixture_definitions: Definitions, known: FakeTx) -> None:
    known.delay = 0.4
    service = _service(fixture_definitions, known.url, connect_timeout=1.0, read_timeout=0.1)
    check = service.validate_code(FINDINGS, SCT, MI)
    assert (check.outcome, check.server_warning) == ("not-validated", "timed out")


def test_a_failing_server_is_retried_once_and_not_recorded(fixture_definitions: Definitions, known: FakeTx,
                                                           tmp_path: Path) -> None:
    known.status = 500
    service = _service(fixture_definitions, known.url, tmp_path / "tx")
    check = service.validate_code(FINDINGS, SCT, MI)
    assert check.outcome == "not-validated"
    assert check.server_warning is None  # it answers, badly: not "unreachable"
    assert check.message.endswith(f"the terminology server {known.url} failed (HTTP 500)")
    assert len(known.requests) == 2
    assert list((tmp_path / "tx").glob("*.json")) == []
    known.status = 200
    assert service.validate_code(FINDINGS, SCT, MI).outcome == "ok"  # not given up


def test_a_server_that_cannot_answer_leaves_the_code_not_validated(fixture_definitions: Definitions,
                                                                   known: FakeTx) -> None:
    known.status = 404
    service = _service(fixture_definitions, known.url)
    check = service.validate_code(FINDINGS, SCT, MI)
    assert check.outcome == "not-validated"
    assert check.message.endswith("the terminology server could not answer (HTTP 404: boom)")
    assert len(known.requests) == 1


def test_cache_keys_separate_every_part_of_the_question() -> None:
    base = ("http://tx", "http://vs", SCT, MI, None)
    keys = {TxCache.key(*base)}
    for i, other in enumerate(["http://tx2", "http://vs2", "http://other", "22298007", "MI"]):
        changed = list(base)
        changed[i] = other
        keys.add(TxCache.key(*changed))  # type: ignore[arg-type]
    assert len(keys) == 6


def test_a_damaged_cache_entry_is_asked_again(fixture_definitions: Definitions, known: FakeTx,
                                              tmp_path: Path) -> None:
    cache = TxCache(tmp_path / "tx")
    cache.folder.mkdir()
    cache.path(TxCache.key(known.url, FINDINGS, SCT, MI, None)).write_text("{not json", encoding="utf-8")
    service = Terminology(fixture_definitions, tx=TxClient(known.url, cache))
    assert service.validate_code(FINDINGS, SCT, MI).source == "server"
    stored = json.loads(cache.path(TxCache.key(known.url, FINDINGS, SCT, MI, None)).read_text("utf-8"))
    assert stored["answer"] == TxAnswer(True, "", "Myocardial infarction").to_json()
    assert stored["question"]["code"] == MI


def test_a_versioned_value_set_is_sent_as_url_and_version(fixture_definitions: Definitions, known: FakeTx) -> None:
    service = _service(fixture_definitions, known.url)
    assert service.validate_code(f"{FINDINGS}|2.0.0", SCT, MI).outcome == "ok"  # the server knows it
    assert service.validate_code(None, None, "x").outcome == "not-validated"  # nothing a server could answer
    assert known.requests == [("/fhir/ValueSet/$validate-code",
                               {"url": FINDINGS, "valueSetVersion": "2.0.0", "system": SCT, "code": MI})]


def test_a_malformed_server_url_is_given_up_once(fixture_definitions: Definitions) -> None:
    service = _service(fixture_definitions, "http://exa mple.invalid:notaport/fhir")
    first = service.validate_code(FINDINGS, SCT, MI)
    second = service.validate_code(FINDINGS, SCT, "38341003")
    assert (first.outcome, second.outcome) == ("not-validated", "not-validated")
    assert first.server_warning is not None and second.server_warning is None
    assert service.tx is not None and service.tx.sent == 2
