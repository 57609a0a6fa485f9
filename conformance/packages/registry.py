"""The FHIR package registry client (npm-style API, as served by packages.fhir.org).

`GET {registry}/{id}` answers `{"versions": {v: {"dist": {"tarball": url, "shasum": sha1}}},
"dist-tags": {"latest": v}}`; `GET {registry}/{id}/{version}` is the tarball itself. Many
clinical networks block it, so every call has a short connect timeout and one retry, and an
unreachable registry becomes a `RegistryUnreachable` quickly, which lets the installer fall back
to the next source.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import __version__
from conformance.packages import versions
from conformance.packages.errors import NotInRegistry, PackageError, RegistryUnreachable
from conformance.packages.tarball import file_digest

if TYPE_CHECKING:
    import requests

REGISTRY_ENV = "FHIR_PACKAGE_REGISTRY"
DEFAULT_REGISTRY = "https://packages.fhir.org"
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 30.0
ATTEMPTS = 2  # one retry


def registry_url(override: str | None = None) -> str:
    """`override`, else $FHIR_PACKAGE_REGISTRY, else packages.fhir.org (without a trailing '/')."""
    return (override or os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY).rstrip("/")


class Registry:
    def __init__(self, url: str | None = None, session: requests.Session | None = None) -> None:
        import requests  # imported when first needed: it costs ~0.1 s at start-up
        self.url = registry_url(url)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"conformance/{__version__}")

    def _get(self, url: str, *, stream: bool = False) -> requests.Response:
        import requests  # imported when first needed: it costs ~0.1 s at start-up
        last: Exception | None = None
        for _ in range(ATTEMPTS):
            try:
                response = self.session.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=stream)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = exc
                continue
            except requests.RequestException as exc:  # a malformed URL and the like
                raise RegistryUnreachable(f"cannot reach the registry {self.url} ({exc}); install from a .tgz or folder instead") from exc
            if response.status_code >= 500:
                last = requests.HTTPError(f"HTTP {response.status_code}")
                response.close()
                continue
            return response
        raise RegistryUnreachable(f"cannot reach the registry {self.url}; install from a .tgz or folder instead") from last

    def metadata(self, package_id: str) -> dict[str, Any]:
        response = self._get(f"{self.url}/{package_id}")
        with response:
            if response.status_code == 404:
                raise NotInRegistry(f"the registry {self.url} has no package {package_id}; check the id")
            if response.status_code != 200:
                raise NotInRegistry(f"the registry {self.url} answered HTTP {response.status_code} for {package_id}")
            try:
                data = response.json()
            except ValueError as exc:
                raise NotInRegistry(f"the registry {self.url} sent no JSON for {package_id}; is it a FHIR package registry?") from exc
        if not isinstance(data, dict) or not isinstance(data.get("versions"), dict):
            raise NotInRegistry(f"the registry {self.url} sent no version list for {package_id}")
        return data

    def choose(self, package_id: str, wanted: str | None, metadata: dict[str, Any]) -> str:
        """The version `wanted` selects: exact, else highest matching; no version means dist-tags.latest."""
        available = list(metadata["versions"])
        latest = (metadata.get("dist-tags") or {}).get("latest")
        if (wanted is None or wanted in ("latest", "current")) and isinstance(latest, str) and latest in available:
            return latest
        chosen = versions.best_match(wanted or "latest", available)
        if chosen is None:
            shown = ", ".join(sorted(available, key=versions.sort_key)[-8:]) or "none"
            raise NotInRegistry(f"the registry {self.url} has no version {wanted} of {package_id} (it has: {shown})")
        return chosen

    def download(self, package_id: str, version: str, metadata: dict[str, Any], dest: Path,
                 progress: Callable[[str], None] | None = None) -> Path:
        """Fetch the tarball into `dest` (a file), checking the registry's sha1 when it gives one."""
        import requests  # imported when first needed: it costs ~0.1 s at start-up
        dist = (metadata["versions"].get(version) or {}).get("dist") or {}
        given = dist.get("tarball")
        tarball = given if isinstance(given, str) else f"{self.url}/{package_id}/{version}"
        if progress:
            progress(f"downloading {package_id}#{version} from {tarball}")
        response = self._get(tarball, stream=True)
        with response:
            if response.status_code != 200:
                raise NotInRegistry(f"the registry {self.url} answered HTTP {response.status_code} for {tarball}")
            try:
                with dest.open("wb") as handle:
                    for block in response.iter_content(1 << 16):
                        handle.write(block)
            except (requests.RequestException, OSError) as exc:
                raise RegistryUnreachable(f"download of {tarball} failed ({exc}); try again or install from a .tgz") from exc
        shasum = dist.get("shasum")
        if isinstance(shasum, str) and len(shasum) == 40 and file_digest(dest, "sha1") != shasum.lower():
            raise PackageError(f"{tarball} does not match the registry's checksum; try again later")
        return dest
