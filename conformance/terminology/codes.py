"""Names for the terminology issue codes (catalogued in `conformance/issues.py`)."""

from __future__ import annotations

UNKNOWN_CODE = "terminology.unknown-code"
NOT_IN_EXTENSIBLE = "binding.extensible"
DISPLAY_MISMATCH = "terminology.display-mismatch"
SERVER_UNAVAILABLE = "terminology.server-unavailable"
