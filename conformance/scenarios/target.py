"""The target URL a user typed, split into what is sent and what is secret.

`https://user:pass@host/base?apikey=K&tenant=t` becomes:
- the FHIR base `https://host/base` (what `${base_url}` is and what paths are joined to);
- the base's own query (`apikey=K&tenant=t`), sent with every request to the target's origin and
  merged with each request's query — never glued in front of a path;
- user-info moved to HTTP Basic credentials (sent only to the target's origin);
- the secrets to redact everywhere: the password, the user name, and the value of every query
  parameter whose name carries a credential (`redact.secret_name`);
- `shown`: how consoles and reports name the target, with those secrets redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from conformance.scenarios.redact import REDACTED, secret_name


@dataclass(frozen=True, slots=True)
class TargetUrl:
    base: str
    query: tuple[tuple[str, str], ...] = ()
    user: str | None = None
    password: str | None = None
    secrets: tuple[str, ...] = ()
    shown: str = ""


def parse_target(url: str) -> TargetUrl:
    """Split `url`; ValueError (naming no secret) when it is not an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    host = parts.netloc.rpartition("@")[2]
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    secrets = [v for k, v in query if secret_name(k) and v]
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    secrets += [s for s in (password, user) if s]
    base = urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), "", ""))
    shown_query = urlencode([(k, REDACTED if secret_name(k) else v) for k, v in query], safe="|:,/[]")
    shown = base + (f"?{shown_query}" if query else "")
    return TargetUrl(base, query, user, password, tuple(secrets), shown)


def join_url(base: str, base_query: tuple[tuple[str, str], ...], path: str, query: list[tuple[str, str]]) -> str:
    """A request URL: `path` (relative to the base, or absolute) with the base's own query first
    (for the target's origin only), then the path's, then the step's."""
    absolute = path.startswith(("http://", "https://"))
    url = path if absolute else base.rstrip("/") + "/" + path.lstrip("/")
    own = list(base_query) if _origin(url) == _origin(base) else []
    parts = urlsplit(url)
    extra = urlencode(own + query, safe="|:,/")
    if not extra:
        return url
    joined = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=joined))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
