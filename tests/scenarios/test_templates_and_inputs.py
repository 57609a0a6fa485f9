"""`${name}` templates, and where input values come from (secrets never from the command line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.profiles import InputDecl, ProfileError
from conformance.scenarios import resolve_inputs
from conformance.scenarios.templates import TemplateSyntaxError, names_in, placeholder, render

DECLARED = (
    InputDecl("nhs_number", "a patient", "9000000009"),
    InputDecl("family", "a family name"),
    InputDecl("api_key", "a key", None, secret=True, declared_in="profile.yaml:9"),
)


@pytest.mark.parametrize(("text", "names"), [
    ("/Patient/${nhs_number}", ["nhs_number"]),
    ("${a}-${b_2}${a}", ["a", "b_2", "a"]),
    ("no variables", []),
    ("a literal $${x} and ${y}", ["y"]),
    ("$ {not} and {x}", []),
])
def test_names_in_templates(text: str, names: list[str]) -> None:
    assert names_in(text) == names


@pytest.mark.parametrize(("text", "why"), [
    ("${unclosed", "without a closing"),
    ("${Upper}", "is not a variable name"),
    ("${}", "is not a variable name"),
    ("${a b}", "is not a variable name"),
])
def test_malformed_templates_say_why(text: str, why: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=why):
        names_in(text)


def test_render_substitutes_escapes_and_keeps_literals() -> None:
    assert render("/Patient/${id}?x=$${id}", {"id": "9000000009"}) == "/Patient/9000000009?x=${id}"
    assert render("W/\"${v}\"", {"v": "1.2"}, escape=re.escape) == "W/\"1\\.2\""
    with pytest.raises(KeyError):
        render("${missing}", {})


def test_placeholder_keeps_fhirpath_parseable() -> None:
    assert placeholder("id = '${nhs_number}' and total = ${n} and '$${x}'") == "id = '0' and total = 0 and '${x}'"


# -- inputs ---------------------------------------------------------------------------------------
def test_precedence_is_command_line_then_file_then_environment_then_default(tmp_path: Path) -> None:
    file = tmp_path / "inputs.yaml"
    file.write_text("family: FromFile\napi_key: k-from-file\nnhs_number: 9000000017\n")
    env = {"CONFORMANCE_INPUT_FAMILY": "FromEnv", "CONFORMANCE_INPUT_API_KEY": "k-from-env"}
    got = resolve_inputs(DECLARED, ["family=FromCli"], [file], env)
    assert got.values == {"nhs_number": "9000000017", "family": "FromCli", "api_key": "k-from-file"}
    assert got.sources == {"nhs_number": str(file), "family": "--input", "api_key": str(file)}
    got = resolve_inputs(DECLARED, [], [], env)
    assert got.values == {"nhs_number": "9000000009", "family": "FromEnv", "api_key": "k-from-env"}
    assert got.redacted() == {"api_key": "[redacted]", "family": "FromEnv", "nhs_number": "9000000009"}
    assert got.secret_values() == ["k-from-env"]


def test_a_secret_on_the_command_line_is_refused_without_echoing_it() -> None:
    with pytest.raises(ProfileError) as caught:
        resolve_inputs(DECLARED, ["api_key=hunter22-secret", "family=x"], [], {})
    messages = [e.message for e in caught.value.errors]
    assert messages == ["input 'api_key' is secret: give it in an --inputs file or in CONFORMANCE_INPUT_API_KEY, "
                        "never on the command line",
                        "input 'api_key' (a key) has no value: give it with an --inputs file or CONFORMANCE_INPUT_API_KEY"]
    assert "hunter22" not in str(caught.value)


def test_unknown_malformed_and_missing_inputs_are_all_reported() -> None:
    with pytest.raises(ProfileError) as caught:
        resolve_inputs(DECLARED, ["nope=1", "family"], [], {})
    assert [(e.path, e.message) for e in caught.value.errors] == [
        ("--input", "'family' is not NAME=VALUE"),
        ("--input", "no input 'nope'; declared: api_key, family, nhs_number"),
        ("inputs", "input 'family' (a family name) has no value: give it with --input family=VALUE, an --inputs "
                   "file or CONFORMANCE_INPUT_FAMILY"),
        ("profile.yaml:9", "input 'api_key' (a key) has no value: give it with an --inputs file or "
                           "CONFORMANCE_INPUT_API_KEY"),
    ]


def test_an_inputs_file_with_unknown_names_or_lists_is_located(tmp_path: Path) -> None:
    file = tmp_path / "inputs.yaml"
    file.write_text("family: Smith\napi_key: k\nwho: me\nnhs_number: [1, 2]\n")
    with pytest.raises(ProfileError) as caught:
        resolve_inputs(DECLARED, [], [file], {})
    assert [(e.line, e.column, e.message) for e in caught.value.errors] == [
        (3, 1, "no input 'who'; declared: api_key, family, nhs_number"),
        (4, 13, "input 'nhs_number' must be a single value (text or a number)"),
    ]


def test_an_unreadable_inputs_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        resolve_inputs(DECLARED, [], [tmp_path / "none.yaml"], {"CONFORMANCE_INPUT_FAMILY": "x",
                                                                  "CONFORMANCE_INPUT_API_KEY": "y"})
    assert [e.message for e in caught.value.errors] == ["no such file"]
