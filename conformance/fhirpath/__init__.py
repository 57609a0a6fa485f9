"""Our FHIRPath engine: FHIRPath 2.0 as FHIR R4 uses it, compiled to closures for speed.

    from conformance.fhirpath import compile, EvaluationContext
    expr = compile("name.where(use = 'official').given")   # cached by text
    expr.evaluate(patient_node, context=EvaluationContext(model=...))  # -> [Node, ...]
"""

from conformance.fhirpath.compiler import is_concrete_choice_name
from conformance.fhirpath.context import (
    ConformanceHook,
    EvaluationContext,
    ReferenceResolver,
    TerminologyHook,
)
from conformance.fhirpath.engine import CompiledExpression, compile, evaluate
from conformance.fhirpath.errors import FhirPathError, FhirPathSyntaxError
from conformance.fhirpath.model import ModelInfo, StructureDefinitionModel, default_model, folder_model
from conformance.fhirpath.quantity import FhirPathQuantity
from conformance.fhirpath.temporal import FhirPathDate, FhirPathDateTime, FhirPathTime
from conformance.fhirpath.values import TypeInfo

__all__ = [
    "CompiledExpression",
    "ConformanceHook",
    "EvaluationContext",
    "FhirPathDate",
    "FhirPathDateTime",
    "FhirPathError",
    "FhirPathQuantity",
    "FhirPathSyntaxError",
    "FhirPathTime",
    "ModelInfo",
    "ReferenceResolver",
    "StructureDefinitionModel",
    "TerminologyHook",
    "TypeInfo",
    "compile",
    "default_model",
    "evaluate",
    "folder_model",
    "is_concrete_choice_name",
]
