"""The Unicode encoding a document's first bytes announce, for the XML reader and format sniffing.

Apart from the XML reader so that sniffing a file's format does not import lxml (7 ms of the start-up
of every `validate`, most of which read no XML).
"""

from __future__ import annotations

import codecs


def sniff_xml_encoding(data: bytes) -> str | None:
    """The Python codec for a document whose first bytes say (BOM or `<?` pattern); None = ASCII-compatible."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith(b"\x00\x00\x00<"):
        return "utf-32-be"
    if data.startswith(b"<\x00\x00\x00"):
        return "utf-32-le"
    if data.startswith(b"\x00<"):
        return "utf-16-be"
    if data.startswith(b"<\x00"):
        return "utf-16-le"
    return None
