"""Terminology: local ValueSet expansion, code validation, and an optional terminology server.

`service.Terminology` is what the validator asks; `expansion`, `codesystem` and `filters` hold
what the loaded packages know; `syntax` the identifier rules of SNOMED CT, dm+d and LOINC;
`server` the `--tx` client and its replayable answer cache. Nothing is imported here, so that
importing `expansion` alone stays cheap (the server needs `requests`).
"""
