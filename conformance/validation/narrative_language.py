"""Language sections of a narrative, as a profile's `narrative-language-control` extension asks.

Beyond R4: HL7's extensions pack (hl7.fhir.uv.extensions.r4) defines
`http://hl7.org/fhir/StructureDefinition/narrative-language-control`, put on a Narrative element of a
profile, to "provide rules for the validation of language sections in the narrative": a language section is a
`div` child of the narrative's root `div` marked with `lang`/`xml:lang` (R5 narrative.html, multi-language
narrative). Its value (code system `http://hl7.org/fhir/narrative-language-control`, or a language) says:
`_no`, no language sections; `_yes`, the narrative must have language sections; `_resource`, there must be a
section for `Resource.language`; a language code, there must be a section for that language. The HL7 validator
applies it; so do we, on the narrative the profile's element describes. A narrative that cannot be parsed is
left to txt-1. `_resource` on a resource without `language` still asks for language sections: its definition
("There must be a section matching the Resource.language") presupposes them, as `_yes` states, and a
resource with no language cannot be shown to have the one it names; so the narrative needs sections, as for
`_yes`, rather than passing unchecked.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.fhirpath.narrative import language_sections
from conformance.issues import Issue, make_issue


def check_narrative_language(narrative: Node, control: str, issues: list[Issue]) -> None:
    """Report the narrative when its language sections break the profile's control value."""
    div = narrative.child("div")
    if div is None or div.value is None:
        return
    sections = language_sections(div.value)
    if sections is None:
        return
    found = ", ".join(sections)
    if control == "_no":
        if sections:
            issues.append(make_issue("narrative.language-sections", narrative,
                                     detail=f"it has language sections ({found}), which the profile prohibits"))
        return
    wanted = _resource_language(narrative) if control == "_resource" else control
    if control == "_yes" or not wanted:
        if not sections:
            issues.append(make_issue("narrative.language-sections", narrative,
                                     detail="it has no language sections, which the profile requires"))
        return
    if wanted.lower() not in (s.lower() for s in sections):
        issues.append(make_issue("narrative.language-sections", narrative,
                                 detail=f"the profile requires a section for the language {wanted}, "
                                        f"but it has {'only ' + found if sections else 'none'}"))


def _resource_language(node: Node) -> str | None:
    """`language` of the resource the narrative belongs to."""
    language = node.enclosing_resource().child("language")
    return language.value if language is not None else None
