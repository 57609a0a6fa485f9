"""A failed step's request as a `curl` command a person can run again, every secret in it a `$VARIABLE`.

The command is made from the request as it was sent, not from the recorded exchange (there the secrets are
`[redacted]`, which would not replay). Each secret the run knows is written as the shell variable a user sets
to replay it:
- the credentials `--auth` adds: `Authorization: Bearer $CONFORMANCE_TOKEN` (bearer: the token of
  `--token-file` or `CONFORMANCE_TOKEN`), `Authorization: Bearer $CONFORMANCE_ACCESS_TOKEN` (client-credentials
  and jwt: a token fetched from `--token-url`), `--user "$CONFORMANCE_TARGET_USER:$CONFORMANCE_TARGET_PASSWORD"`
  (user-info in `--target`);
- a secret input: `$CONFORMANCE_INPUT_<NAME>`, the variable it can be given in;
- a credential in the `--target` URL's query (`?apikey=...`): `$CONFORMANCE_TARGET_<NAME>`.
Everything else is written as sent: literal values come from the profile or from inputs declared not secret.
The run's `Redactor` goes over the finished command last, so a secret that reached it under no name is
`[redacted]`, never shown.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from conformance.scenarios.inputs import env_name
from conformance.scenarios.redact import Redactor, secret_name

TOKEN_VARIABLE = "CONFORMANCE_TOKEN"
ACCESS_TOKEN_VARIABLE = "CONFORMANCE_ACCESS_TOKEN"
TARGET_PREFIX = "CONFORMANCE_TARGET_"

_MARK = "\0"  # around a variable's name inside a word being built; never in a URL, header or JSON text
# how each auth kind's credentials are written: curl arguments, variables between marks
_AUTH_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "bearer": ("-H", f"Authorization: Bearer {_MARK}{TOKEN_VARIABLE}{_MARK}"),
    "client-credentials": ("-H", f"Authorization: Bearer {_MARK}{ACCESS_TOKEN_VARIABLE}{_MARK}"),
    "jwt": ("-H", f"Authorization: Bearer {_MARK}{ACCESS_TOKEN_VARIABLE}{_MARK}"),
    "basic": ("--user", f"{_MARK}{TARGET_PREFIX}USER{_MARK}:{_MARK}{TARGET_PREFIX}PASSWORD{_MARK}"),
}
_DOUBLE_QUOTE_UNSAFE = re.compile(r'[$`"\\!]')
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")


def secret_variables(secret_inputs: Mapping[str, str], target_query: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Secret value -> the variable it is written as: secret inputs (name -> value) and `--target` query credentials."""
    found = {value: env_name(name) for name, value in secret_inputs.items() if value}
    for key, value in target_query:
        if value and secret_name(key):
            found[value] = TARGET_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", key).upper()
    return found


def curl_command(method: str, url: str, headers: Mapping[str, str], body: bytes | None, *, auth_kind: str,
                 variables: Mapping[str, str], redactor: Redactor) -> str:
    """`curl -i ...` sending what was sent; the credentials of `auth_kind` (sent with it) and `variables` as `$NAMES`.

    `headers` are the request's own, without the credentials the run's auth added.
    """
    words: list[str] = ["curl", "-i"]
    if method == "HEAD":
        words.append("--head")
    elif method != "GET":
        words += ["-X", method]
    words.append(_marked(url, variables))
    for name, value in headers.items():
        words += ["-H", _marked(f"{name}: {value}", variables)]
    words += _AUTH_ARGUMENTS.get(auth_kind, ())
    if body:
        text = body.decode("utf-8", errors="replace").replace(_MARK, "\ufffd")
        words += ["--data-binary", _marked(text, variables)]
    return redactor.text(" ".join(_shell_word(w) for w in words))


def _marked(text: str, variables: Mapping[str, str]) -> str:
    """`text` with each secret value replaced by its variable's name between marks (longest secret first)."""
    for secret in sorted(variables, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, f"{_MARK}{variables[secret]}{_MARK}")
    return text


def _shell_word(word: str) -> str:
    """One shell word: literal text quoted, marked variables expanded by the shell (`"...$NAME..."`)."""
    parts = word.split(_MARK)  # literal, variable, literal, variable, ..., literal
    if len(parts) == 1:
        return shlex.quote(word)
    literals, names = parts[0::2], parts[1::2]
    if not any(_DOUBLE_QUOTE_UNSAFE.search(p) for p in literals):  # the readable form: one double-quoted word
        out = [literals[0]]
        for name, after in zip(names, literals[1:], strict=True):
            out.append(f"${{{name}}}" if _NAME_CHAR.match(after[:1]) else f"${name}")
            out.append(after)
        return '"' + "".join(out) + '"'
    out = [shlex.quote(literals[0]) if literals[0] else ""]
    for name, after in zip(names, literals[1:], strict=True):
        out.append(f'"${name}"')
        out.append(shlex.quote(after) if after else "")
    return "".join(out)
