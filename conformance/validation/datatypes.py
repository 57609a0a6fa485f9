"""Data type rules the R4 definitions state in prose rather than as invariants."""

from __future__ import annotations

import base64
import binascii

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue


def check_attachment(node: Node, issues: list[Issue]) -> None:
    """R4 Attachment.size is "the number of bytes of data that make up this attachment (before
    base64 encoding, if that is done)": with inline `data`, it must be the decoded length."""
    data, size = node.child("data"), node.child("size")
    if data is None or size is None or not data.value or size.value is None:
        return
    try:
        actual = len(base64.b64decode(data.value, validate=False))
        stated = int(size.value)
    except (binascii.Error, ValueError):
        return  # a malformed value is reported by its primitive rule
    if actual != stated:
        issues.append(make_issue("value.attachment-size", size, stated=stated, actual=actual))
