"""The server's CapabilityStatement: exactly the interactions and search parameters it supports."""

from __future__ import annotations

from typing import Any

from conformance import __version__
from conformance.reference.config import ServerConfig
from conformance.reference.search import PARAMS

INTERACTIONS = ("read", "vread", "update", "create", "search-type")
_SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def capability_statement(base_url: str, token_url: str, config: ServerConfig, date: str) -> dict[str, Any]:
    rest: dict[str, Any] = {"mode": "server", "documentation": "FHIR R4 over JSON; Patient ids are NHS numbers."}
    if config.auth != "none":
        how = (f"OAuth2 client credentials (secret or signed JWT assertion) from {token_url}"
               if config.auth == "oauth2" else "a bearer token issued out of band")
        rest["security"] = {
            "cors": False,
            "service": [{"coding": [{"system": _SECURITY_SYSTEM, "code": "OAuth"}]}],
            "description": f"Every request except /metadata needs Authorization: Bearer, with {how}.",
        }
    rest["resource"] = [_resource(rtype, params) for rtype, params in PARAMS.items()]
    return {
        "resourceType": "CapabilityStatement",
        "text": {"status": "generated",
                 "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>conformance reference server</p></div>'},
        "name": "ConformanceReferenceServer",
        "title": "conformance reference FHIR server",
        "status": "active",
        "experimental": True,
        "date": date,
        "kind": "instance",
        "software": {"name": "conformance reference server", "version": __version__},
        "implementation": {"description": "The built-in reference target of `conformance`", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [rest],
    }


def _resource(resource_type: str, params: dict[str, Any]) -> dict[str, Any]:
    search_params = [
        {"name": p.name, "definition": p.definition, "type": p.kind, "documentation": p.documentation}
        for p in params.values()
    ]
    search_params.append({"name": "_count", "type": "number", "documentation": "Page size"})
    search_params.append({"name": "_page", "type": "number", "documentation": "Page number, from 1"})
    return {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned",
        "readHistory": True,
        "updateCreate": True,
        "searchParam": search_params,
    }
