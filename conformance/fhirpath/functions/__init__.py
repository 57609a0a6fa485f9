"""FHIRPath functions, one module per group of the specification; importing registers them."""

from conformance.fhirpath.functions import (  # noqa: F401  (imported for registration)
    aggregate,
    combining,
    conversion,
    existence,
    fhir,
    filtering,
    math,
    navigation,
    strings,
    subsetting,
    utility,
)
from conformance.fhirpath.functions.registry import REGISTRY, FunctionSpec

__all__ = ["REGISTRY", "FunctionSpec"]
