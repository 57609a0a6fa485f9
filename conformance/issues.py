"""Findings and the catalogue of stable issue codes.

Every finding anywhere in the tool is an `Issue`. Codes are a contract (CI baselines, SARIF
rules and users' scripts match on them), so each lives in one catalogue with its default
severity, a message template and a sentence of documentation; wording may improve, codes
never change. `docs/issue-codes.md` is generated from this catalogue and a test keeps it true.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.fhir.tree import Node


class Severity(StrEnum):
    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_error(self) -> bool:
        return self in (Severity.FATAL, Severity.ERROR)


_RANK = {Severity.FATAL: 0, Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFORMATION: 3}


@dataclass(frozen=True, slots=True)
class IssueKind:
    code: str
    severity: Severity
    template: str
    doc: str


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str
    message: str
    location: str = ""
    line: int = 0
    column: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "location": self.location,
            "line": self.line,
            "column": self.column,
        }

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.line, self.column, self.severity.rank, self.code)


CATALOGUE: dict[str, IssueKind] = {}


def _kind(code: str, severity: Severity, template: str, doc: str) -> None:
    CATALOGUE[code] = IssueKind(code, severity, template, doc)


F, E, W, INFO = Severity.FATAL, Severity.ERROR, Severity.WARNING, Severity.INFORMATION

# -- files and encodings ---------------------------------------------------------------------
_kind("file.unreadable", F, "cannot read the file: {reason}", "The file could not be opened or read (permissions, a directory where a file was expected, an I/O error).")
_kind("file.empty", F, "the file is empty", "A file with no content (or only white space) holds no resource.")
_kind("file.unknown-format", F, "not a FHIR JSON, XML or NDJSON document: {reason}", "The content does not start like JSON (`{`), XML (`<`) or NDJSON.")
_kind("file.too-large", F, "the file is {size} bytes, over the limit of {limit} bytes", "A single document larger than the configured maximum is refused rather than exhausting memory.")
_kind("encoding.bom", W, "the file starts with a byte-order mark; JSON sent over a network MUST NOT have one (RFC 8259 §8.1), though a parser MAY ignore it, as here", "A UTF-8 byte-order mark at the start of a JSON document. RFC 8259 §8.1 forbids producers to add one to networked JSON and lets parsers ignore it, so it is a warning and the content is validated (the HL7 validator ignores it too).")
_kind("encoding.not-utf8", F, "the file is {encoding}, not UTF-8; FHIR JSON must be UTF-8", "JSON documents must be encoded in UTF-8 (RFC 8259 §8.1); UTF-16 and UTF-32 are refused.")
_kind("encoding.invalid-utf8", F, "invalid UTF-8 byte sequence: {reason}", "Bytes that are not valid UTF-8, located at the first bad byte.")

# -- JSON representation ----------------------------------------------------------------------
_kind("json.syntax", F, "malformed JSON: {reason}", "The document is not well-formed JSON.")
_kind("json.duplicate-key", F, "property '{name}' appears more than once in the same object", "JSON objects in FHIR must not repeat a property name; which value is meant is undefined.")
_kind("json.trailing-content", F, "unexpected content after the end of the JSON document", "Anything but white space after the top-level value.")
_kind("json.too-deep", F, "the document is nested more than {limit} levels deep", "Documents nested deeper than the limit are refused (they are never valid FHIR and can exhaust the stack).")
_kind("json.null", E, "null is not allowed here", "JSON `null` is only allowed inside arrays of primitives to keep `x` and `_x` aligned.")
_kind("json.empty-object", E, "empty object: an element must have a value or children", "`{}` is not allowed for any FHIR element.")
_kind("json.empty-array", E, "empty array: omit the property instead", "`[]` is not allowed; absent elements are omitted.")
_kind("json.primitive-pairing", E, "{reason}", "`_x` (the id and extensions of primitive `x`) must match `x`: same array shape and length, objects only.")
_kind("json.array-expected", E, "'{name}' can repeat, so it must be a JSON array", "Elements whose maximum cardinality is greater than one are always arrays in JSON, even with one item.")
_kind("json.array-unexpected", E, "'{name}' cannot repeat, so it must not be a JSON array", "Elements with maximum cardinality one are never arrays in JSON.")
_kind("json.wrong-type", E, "'{name}' must be a JSON {expected}, not {actual}", "Primitive values have fixed JSON types: booleans are `true`/`false`, integers and decimals are numbers, everything else a string; complex elements are objects.")

# -- XML representation -----------------------------------------------------------------------
_kind("xml.syntax", F, "malformed XML: {reason}", "The document is not well-formed XML.")
_kind("xml.dtd-forbidden", F, "XML with a DOCTYPE is refused: {reason}", "DTDs, entity declarations and external references are never processed (XXE and entity-expansion attacks).")
_kind("xml.namespace", E, "element '{name}' is in namespace '{namespace}', expected {expected}", "FHIR XML elements must be in the `http://hl7.org/fhir` namespace, the narrative `div` in the XHTML namespace `http://www.w3.org/1999/xhtml` (R4 xml.html, narrative.html); the message names the one expected.")
_kind("xml.unexpected-attribute", E, "unexpected attribute '{name}'", "Only `value` (on primitives), `id` (on elements) and `url` (on extensions) are attributes in FHIR XML.")
_kind("xml.element-order", E, "'{name}' is out of order: the definition puts it before '{later}'", "R4 XML (xml.html, and the `xs:sequence`s of the FHIR XML schemas): an element's children appear in the order of the definition; JSON has no such rule.")
_kind("xml.text-content", E, "unexpected text content in element '{name}'; FHIR XML puts values in the 'value' attribute", "Text directly inside a FHIR element (other than the XHTML narrative) is not allowed.")
_kind("xml.too-deep", F, "the document is nested more than {limit} levels deep", "XML documents nested deeper than the limit are refused (they are never valid FHIR and can exhaust memory).")

# -- NDJSON ------------------------------------------------------------------------------------
_kind("ndjson.empty-line", W, "empty line in NDJSON", "NDJSON holds one resource per line; an empty line is skipped but reported.")
_kind("ndjson.line-too-large", F, "the line is {size} bytes, over the limit of {limit} bytes; it was skipped", "A single NDJSON line larger than the configured maximum is skipped unread rather than exhausting memory.")

# -- structure -----------------------------------------------------------------------------------
_kind("structure.not-a-resource", F, "{reason}", "The document is not a FHIR resource (no `resourceType`, or not an object).")
_kind("structure.unknown-resource-type", E, "unknown resource type '{name}'", "`resourceType` names no resource type in the loaded FHIR packages.")
_kind("structure.abstract-resource-type", E, "'{name}' is abstract and cannot be instantiated", "Abstract types such as `Resource` or `DomainResource` cannot be used as a resource type.")
_kind("structure.unknown-element", E, "unknown element '{name}'", "A property that the element's definition does not have.")
_kind("structure.resource-expected", E, "'{name}' must hold a resource", "`contained`, `Bundle.entry.resource` and `Parameters.parameter.resource` must hold a resource with `resourceType`.")
_kind("structure.resource-type-not-allowed", E, "'{name}' must hold a {allowed}, not a {actual}", "An element whose definition (usually a profile) allows one resource type holds another.")
_kind("structure.resourcetype-misplaced", E, "'resourceType' is only allowed on resources", "A `resourceType` property inside an element that is not a resource.")
_kind("structure.primitive-expected", E, "'{name}' is a primitive ({type}) and cannot have child elements", "A primitive written as an object (JSON) or with child elements other than id/extension (XML).")
_kind("structure.complex-expected", E, "'{name}' is a {type} and must have child elements, not a value", "A complex type written as a primitive value.")
_kind("cardinality.min", E, "'{path}' requires at least {min} occurrence(s), found {count}", "Fewer occurrences than the definition's `min`.")
_kind("cardinality.max", E, "'{path}' allows at most {max} occurrence(s), found {count}", "More occurrences than the definition's `max`.")
_kind("choice.multiple", E, "only one of {names} is allowed", "A choice element (`value[x]`) appears with more than one type.")
_kind("choice.type-not-allowed", E, "'{name}' is not an allowed type for '{path}'; allowed: {allowed}", "A choice element with a type suffix the definition does not allow.")

# -- values ----------------------------------------------------------------------------------------
_kind("value.empty", E, "'{name}' has an empty value; omit the element instead", "Primitive values may not be empty strings.")
_kind("value.format", E, "'{value}' is not a valid {type}", "A primitive value that does not match its type's lexical rules (the regular expressions carried by the R4 definitions).")
_kind("canonical.url-not-absolute", E, "the {type}'s url '{url}' is not an absolute URI", "R4 defines the url of every canonical resource as \"An absolute URI that is used to identify this <resource> ...; also called its canonical identifier\": it starts with a scheme (http:, urn:, ...).")
_kind("value.code-white-space", E, "the code '{value}' holds white space other than single spaces ({char})", "R4 datatypes.html#code: a code has \"no whitespace other than single spaces in the contents\" (a tab, line break or other Unicode space between its parts is not one); R4's regex for code lets a single tab through, its text does not.")
_kind("value.urn-format", E, "'{value}' is not a valid {kind} URN", "A uri, url or canonical in the urn:uuid: or urn:oid: namespace holds a UUID (lowercase, RFC 4122) or an OID (RFC 3001), as R4's uuid and oid types write them.")
_kind("value.urn-prefix", E, "'{value}' is not a URI: an OID or UUID is written 'urn:{prefix}:...', not '{prefix}:...'", "R4 writes OIDs and UUIDs as URIs in the urn:oid: and urn:uuid: namespaces; oid: and uuid: are no URI schemes.")
_kind("value.identifier-not-uri", E, "the identifier's system is urn:ietf:rfc:3986, so its value must be an absolute URI, not '{value}'", "An Identifier with system urn:ietf:rfc:3986 (R4: the value is a URI) whose value is not `scheme:...` without spaces (RFC 3986 §4.3), e.g. a bare UUID without `urn:uuid:`.")
_kind("value.uuid-uppercase", W, "'{value}' writes its UUID in uppercase; R4 asks for lowercase", "RFC 4122 reads UUID hex digits in any case but writes them lowercase, and R4 (datatypes.html, uri) asks for all lowercase.")
_kind("value.invalid-date", E, "'{value}' is not a valid calendar date", "A date, dateTime or instant that matches the syntax but names a day that does not exist.")
_kind("value.out-of-range", E, "{value} is out of range for {type}", "An integer, positiveInt or unsignedInt outside its range.")
_kind("value.whitespace", W, "'{name}' has leading or trailing white space", "String values should not start or end with white space.")
_kind("value.too-long", E, "the value is {length} characters, over the {limit} allowed for {type}", "Strings are limited to 1 MB; `id` to 64 characters.")
_kind("value.no-value", E, "'{name}' has neither a value nor extensions", "A primitive element must have a value, an id or extensions (`ele-1`).")

# -- ids -------------------------------------------------------------------------------------------
_kind("id.missing-contained", E, "a contained resource must have an id", "Contained resources are referenced by `#id`, so they need one.")
_kind("id.duplicate-contained", E, "another contained resource of this resource already has the id '{id}', so '#{id}' cannot tell them apart", "R4 references.html: a reference `#id` names the contained resource with that id inside its container, so the ids of one resource's contained resources must differ; the HL7 validator reports it too (RESOURCE_DUPLICATE_CONTAINED_ID).")

# -- extensions -----------------------------------------------------------------------------------
_kind("extension.no-url", E, "extension has no url", "Every extension must carry the `url` that identifies it.")
_kind("extension.value-and-children", E, "extension must have either a value or nested extensions, not both (ext-1)", "An extension holds a single `value[x]` or nested extensions, never both.")
_kind("extension.empty", E, "extension has neither a value nor nested extensions", "An extension must carry something.")
_kind("extension.url-not-absolute", E, "extension url '{url}' is not an absolute URI", "Top-level extension URLs are absolute canonical URLs; only nested extensions use bare names.")

# -- bindings ---------------------------------------------------------------------------------------
_kind("binding.required", E, "{code} is not in the required value set {valueset}", "A coded value outside a `required` binding's value set.")
_kind("binding.max-value-set", E, "{code} is not in the maximum value set {valueset} of the binding", "R4 elementdefinition-maxValueSet: on an extensible or preferred binding, \"the value set from which additional codes can be taken from ... a 'required' binding over the top of the extensible binding\".")
_kind("binding.required-no-code", E, "no code is given{text}; the required value set {valueset} needs one of its codes", "A CodeableConcept or Coding under a `required` binding that carries no code (text only): R4 says the concept SHALL be from the value set (terminologies.html#required); a data-absent-reason extension is accepted instead.")
_kind("binding.not-expandable", INFO, "the value set {valueset} cannot be expanded offline, so {code} was not checked", "The binding's value set is not available or uses features that cannot be expanded locally; nothing was concluded.")

# -- profiles -----------------------------------------------------------------------------------------
_kind("profile.unknown", E, "profile '{url}' is not in the loaded packages ({searched})", "A profile named by `--profile` (or a profile's own rule) that cannot be found; load its package with `--ig`.")
_kind("profile.claimed-unknown", W, "profile '{url}' claimed in meta.profile is not in the loaded packages ({searched}), so it was not checked", "R4 `meta.profile` is a claim, not an obligation the receiver must verify (resource.html#Meta); an unknown claimed profile is reported but does not make the resource invalid (as in the HL7 validator). Load its package with `--ig` to check it.")
_kind("profile.wrong-type", E, "profile '{url}' constrains {expected}, not {actual}", "A profile applied to a resource of another type.")

_kind("profile.value-required", E, "the profile requires a value in '{name}': extensions may not stand in its place", "A primitive element without a value (extensions only) where the profile says it must have one: R5 ElementDefinition.mustHaveValue, stated in R4 with HL7's cross-version extension (beyond R4).")
_kind("profile.value-alternative", E, "'{name}' has no value, and none of the extensions the profile allows in its place: {allowed}", "A primitive element without a value whose extensions are none of those the profile allows instead: R5 ElementDefinition.valueAlternatives, stated in R4 with HL7's cross-version extension (beyond R4).")
_kind("narrative.language-sections", E, "the narrative's language sections break the profile's narrative-language-control: {detail}", "A narrative whose language sections (`div` children of the root marked with `lang`) break the `narrative-language-control` extension of HL7's extensions pack on the profile's element: `_no` none, `_yes` some, `_resource` one for Resource.language, or one for the language named (beyond R4).")
_kind("profile.fixed-value", E, "'{name}' must be exactly {expected}", "An element whose profile fixes its value (`fixed[x]`) holds something else.")
_kind("profile.pattern", E, "'{name}' must match the pattern {expected}", "An element whose profile gives a pattern (`pattern[x]`) lacks part of it.")
_kind("profile.max-length", E, "'{name}' is {length} characters long; the profile allows {limit}", "A string longer than the profile's `maxLength`.")
_kind("profile.regex", E, "'{value}' in {name} does not match the profile's regex {regex}", "R4's `regex` extension on an ElementDefinition: \"A regular expression that defines the syntax for the data element to be considered valid\"; the value's text matches it whole.")
_kind("profile.regex-not-checked", INFO, "{name} was not checked against the profile's regex {regex}: {reason}", "A profile's `regex` that does not compile, or a value too long to run a profile's regex on (a bound against regexes that backtrack badly): the value is neither accepted nor refused by it.")
_kind("profile.min-length", E, "{name} is {length} characters long; the profile requires at least {limit}", "R4's `minLength` extension on an ElementDefinition: \"The minimum number of characters that must be present in the simple data type to be considered a 'valid' instance\".")
_kind("profile.decimal-places", E, "{value} in {name} has {places} decimal places; the profile allows at most {limit}", "R4's `maxDecimalPlaces` extension on an ElementDefinition: \"the maximum number of decimal places that may be specified\" (a decimal, or a Quantity's value).")
_kind("profile.max-size", E, "{name} is {what}; the profile allows at most {limit} bytes", "R4's `maxSize` extension on an ElementDefinition: \"the maximum size an attachment can be\", in bytes (an Attachment's size and decoded data; a base64Binary's decoded data, as the HL7 validator reads it).")
_kind("profile.min-value", E, "{value} is below the minimum {limit} the profile allows for '{name}'", "A value below the profile's `minValue[x]`.")
_kind("profile.limit-not-compared", W, "{value} was not compared with the {which} {limit} the profile allows for '{name}': {reason}", "R4 ElementDefinition.minValue[x]/maxValue[x]: a quantity is a value in a unit, so one in a unit that is not UCUM, or of another dimension than the limit's, cannot be shown to be within it; a date of another precision than the limit may be either side of it (FHIRPath compares them as unknown); a Duration limit on a date that is not a positive UCUM time cannot be placed. Reported, never silently passed.")
_kind("profile.max-value", E, "{value} is above the maximum {limit} the profile allows for '{name}'", "A value above the profile's `maxValue[x]`.")
_kind("profile.must-support-missing", INFO, "'{path}' is must-support in {profile} but absent", "A must-support element is absent (reported only with `--must-support`).")
_kind("profile.not-applied", W, "profile '{url}' could not be applied: {reason}", "A profile was found but could not be compiled (no snapshot could be generated); nothing was concluded about it.")

# -- slicing -----------------------------------------------------------------------------------------
_kind("slicing.unmatched-closed", E, "this '{name}' matches none of the slices of {path}, and the slicing is closed", "With `rules: closed`, every item of a sliced element must belong to one of its slices.")
_kind("slicing.unmatched-not-at-end", E, "this '{name}' matches none of the slices of {path}; with openAtEnd, such items must come after all sliced ones", "With `rules: openAtEnd`, items outside the slices must be last.")
_kind("slicing.ambiguous", E, "this '{name}' matches more than one slice of {path}: {slices}", "An item of a sliced element must belong to at most one slice.")
_kind("slicing.indistinguishable", INFO, "the slices {slices} of {path} cannot be told apart by their discriminators; the first was used", "A profile whose slices expect the same discriminator values: no instance can be placed in one rather than another, so this is not held against the instance.")
_kind("slicing.out-of-order", E, "slice '{slice}' of {path} appears after slice '{previous}'; the slicing is ordered", "With `ordered: true`, items must appear in the order of the slices.")
_kind("slicing.undecided", W, "this '{name}' may belong to more than one slice of {path} ({slices}): a discriminator could not be evaluated, so the first was used", "An item matched several slices only through the fallback used when a discriminator cannot be evaluated (e.g. a value set that cannot be expanded offline): not proved ambiguous, so a warning, not slicing.ambiguous.")
_kind("slicing.discriminator-unusable", W, "cannot evaluate discriminator {type}:{path} of {slicing}: {reason}", "A slicing discriminator the tool could not evaluate; the items were matched by full validation against each slice instead.")

# -- references ----------------------------------------------------------------------------------------
_kind("reference.contained-not-found", E, "'{reference}' refers to no contained resource", "A `#id` reference must match the id of a resource in `contained`.")
_kind("reference.unresolved", W, "'{reference}' does not resolve to an entry of this {bundle} Bundle", "Inside a document or message Bundle, and for `urn:uuid:` references in any Bundle, a reference should resolve to an entry's fullUrl. A warning, as in the HL7 validator: R4 does not make an unresolvable reference invalid (references.html: a reference may be to something the receiver cannot see).")
_kind("reference.unresolved-relative", W, "'{reference}' does not resolve to an entry of this Bundle", "A relative reference inside a Bundle that matches no entry; it may point to a server outside the Bundle.")
_kind("reference.type-mismatch", E, "Reference.type is '{declared}' but '{reference}' is to a {actual}", "R4 Reference.type: \"If both Reference.type and Reference.reference are populated and Reference.reference is a FHIR URL, both SHALL be consistent\"; a reference that resolves must resolve to a resource of that type.")
_kind("reference.target-type", E, "a reference to {actual} is not allowed here; {path} allows {allowed}", "The referenced resource type (the one a literal reference names or resolves to, else Reference.type, \"the expected type of the target of the reference\") is not among the element's target profiles' types.")
_kind("reference.target-profile", E, "'{reference}' refers to a {type} that does not conform to {profiles}", "R4 ElementDefinition.type.targetProfile: \"If any profiles are specified, then the resource must conform to at least one of them\"; checked for targets the document holds (contained resources, Bundle entries).")
_kind("reference.aggregation", E, "the reference '{reference}' is aggregated as '{mode}'; {path} allows only: {allowed}", "R4 ElementDefinition.type.aggregation (resource-aggregation-mode): a reference to a contained resource is `contained`; one to an entry of the same Bundle is `bundled`, which is a kind of `referenced`; any other is `referenced`.")

# -- extensions (definitions) ---------------------------------------------------------------------------
_kind("extension.unknown", W, "unknown extension '{url}': it is not defined in the loaded packages, so it was not checked", "An extension whose definition is not loaded. Load its package with `--ig`, or silence with `--allow-any-extension`.")
_kind("extension.unknown-hl7", E, "unknown extension '{url}': it is in HL7's core namespace, but neither R4 nor HL7's extensions pack (hl7.fhir.uv.extensions.r4) defines it, so it names no extension", "An extension url in HL7's core namespace (`http://hl7.org/fhir/StructureDefinition/`) that neither R4 nor HL7's extensions pack defines; HL7 publishes that namespace's extensions there only, so the url is a mistake (a misspelling, or a name HL7 never published). An error, as in the HL7 validator; `--allow-any-extension` silences it.")
_kind("extension.unknown-modifier", E, "unknown modifier extension '{url}': its meaning cannot be known, so the resource cannot be safely processed", "A modifierExtension whose definition is not loaded; modifiers change meaning, so this is an error.")
_kind("extension.context", E, "extension '{url}' is not allowed on {host}; its definition allows {allowed}", "An extension used on an element its definition's `context` does not list.")
_kind("extension.context-not-evaluated", W, "extension '{url}' was not checked against its context: {reason}", "An extension whose definition allows it only by `fhirpath` contexts (R4 ExtensionContextType) that could not be evaluated here, or that select values rather than elements; whether it is allowed is undecided, so it is reported, never silently passed.")
_kind("extension.context-invariant", E, "extension '{url}' is not allowed here: its definition's context invariant '{invariant}' is not true", "An extension used where its definition's `contextInvariant` (FHIRPath, on the element that carries it) is not true.")
_kind("extension.modifier-in-extension", E, "extension '{url}' is a modifier extension (its definition's isModifier is true), so it belongs in modifierExtension, not extension", "A modifier extension written in `extension`, where readers may ignore it.")
_kind("extension.not-a-modifier", E, "extension '{url}' is not a modifier extension (its definition's isModifier is not true), so it cannot be in modifierExtension", "An extension whose definition does not make it a modifier, written in `modifierExtension`.")
_kind("extension.unknown-sub-extension", E, "nested extension '{url}' is not one the definition of '{parent}' defines", "A nested extension with a relative url (a name) that its complex extension's definition does not define: it has no definition at all.")
_kind("extension.cross-version-release", E, "cross-version extension '{url}': '{version}' is not a FHIR release", "An HL7 cross-version extension url (`http://hl7.org/fhir/X.Y/StructureDefinition/extension-<Path>`) whose version is no FHIR release (1.0, 1.4, 3.0, 4.0, 4.3, 5.0).")
_kind("extension.cross-version-element", E, "cross-version extension '{url}': that FHIR version has no element '{path}'", "An HL7 cross-version extension for R5 that names an element R5 does not have (R5 versions.html#extensions: the url names an element of that version).")
_kind("extension.cross-version-content", E, "cross-version extension '{url}': R5's {path} takes {expected}", "An HL7 cross-version extension for an R5 element whose content is not that element's: a value of another type, a value for a backbone element, or nested extensions for an element with a type.")
_kind("extension.not-an-extension", E, "'{url}' is a {type} definition, not an extension", "An extension url that names a StructureDefinition of another type.")

# -- definitions (snapshot generation) ---------------------------------------------------------------
_kind("definition.unresolved", INFO, "{what} {url} is not in the loaded packages (needed by {profile}); {effect}", "A StructureDefinition names another definition (its base, a type profile, an extension definition or a target profile) that none of the loaded packages holds. The snapshot is built without it; load the package that defines it (`--ig`) to use it. Each missing definition is reported once.")
_kind("definition.unplaced-element", W, "differential element '{element}' of {profile} matches nothing in its base: {reason}", "A differential element whose path or slice cannot be placed in the snapshot (a misspelt name, a child of an element that has none). It is left out of the snapshot.")
_kind("definition.circular", W, "{url} is defined in terms of itself ({chain}); {effect}", "A StructureDefinition whose base (or a type profile it uses) leads back to itself. No snapshot can be built through the cycle; the definitions involved are used without it.")
_kind("definition.invalid-differential", W, "differential element '{element}' of {profile}: {reason}", "A differential element that breaks a profiling rule (a cardinality wider than the base's, a type the base does not allow, a slice without slicing). It is applied as written.")

# -- terminology ---------------------------------------------------------------------------------------
_kind("binding.extensible", W, "{code} is not in the extensible value set {valueset}; use one of its codes where one fits", "A coded value outside an `extensible` binding's value set: allowed only when no code of the set fits.")
_kind("terminology.code-not-checked", INFO, "{reason}", "A code missing from a dated copy of an external terminology the core package holds (R4's 2015 DICOM PS3.16): later editions may define it, so it is neither accepted nor refused.")
_kind("terminology.unknown-code", E, "'{code}' is not a code of {system}", "A code that does not exist in its code system: a local CodeSystem with complete content that does not list it, or a code that breaks the system's syntax: a LOINC check digit, a mime type (urn:ietf:bcp:13, RFC 2045), language tag (urn:ietf:bcp:47, RFC 5646) or UCUM unit grammar, an ISO currency or country code shape; a Quantity's code as a Coding's. In a Coding, SNOMED CT and dm+d identifiers are reported by the `snomed.identifier.*` rules instead; in a ValueSet's compose concept list, every system's syntax is reported here.")
_kind("terminology.display-mismatch", E, "{message}", "A Coding's display differs from every display and designation of its code in the code system, and from those the value set bound to the element gives it (compared ignoring case and repeated white space). R4 Coding.display is 'a representation of the meaning of the code in the system, following the rules of the system'; $validate-code fails a wrong display.")
_kind("terminology.server-unavailable", W, "the terminology server {server} could not be reached ({reason}); codes it would have checked were not validated", "The `--tx` server did not answer; it is not asked again during the run and nothing is concluded from its silence (recorded answers in `--tx-cache` are still used).")

# -- UK national rules (conformance/validation/national.py documents each check) -------------------------
_kind("uk.nhs-number.format", E, "the NHS number must be exactly 10 digits, with no spaces or other characters ({reason})", "An identifier with system https://fhir.nhs.uk/Id/nhs-number whose value is not 10 digits.")
_kind("uk.nhs-number.check-digit", E, "the NHS number fails the Modulus 11 check: {reason}", "An NHS number whose tenth digit is not the Modulus 11 check digit of the first nine (or whose first nine digits give 10, which no NHS number can).")
_kind("uk.ods-code.format", E, "'{value}' is not an ODS code: {reason}", "An identifier with an ODS organisation or site code system whose value is not 1 to 9 upper-case letters and digits.")
_kind("snomed.identifier.format", E, "{system_name} code '{value}' is not a concept identifier: {reason}", "A SNOMED CT or dm+d code that is not an SCTID: 6 to 18 digits, no leading zero (long-format ids at least 11).")
_kind("snomed.identifier.check-digit", E, "{system_name} code '{value}' has a wrong check digit: {reason}", "A SNOMED CT or dm+d identifier whose last digit is not its Verhoeff check digit.")
_kind("snomed.identifier.partition", E, "{system_name} code '{value}' is not a concept identifier: {reason}", "A SNOMED CT or dm+d identifier whose partition identifier (the 2nd and 3rd digits from the right) is not 00 or 10, so it names a description, a relationship or nothing, not a concept.")

# -- invariants -----------------------------------------------------------------------------------------
_kind("invariant.failed", E, "{key}: {human}", "A FHIRPath constraint (invariant) of the definition evaluated to false. Its severity is the constraint's own.")
_kind("invariant.not-evaluated", W, "{key} could not be evaluated: {reason}", "A constraint whose FHIRPath expression could not be evaluated; reported, never silently passed.")

# -- bundles -----------------------------------------------------------------------------------------------
_kind("security.html-in-string", E, "the string contains active HTML markup ({tag}); FHIR strings are plain text", "A `string` holding active HTML (script, iframe, form, img, a, ..., or any tag with an event-handler attribute such as onclick) would run in a receiver that renders it unescaped. Beyond R4, as the HL7 validator's security check.")
_kind("security.xhtml-not-allowed", E, "the rendering-xhtml value contains {tag}, which narrative XHTML SHALL NOT contain", "The value of R4's rendering-xhtml extension is XHTML to which the narrative restrictions apply (R4 narrative.html: no head or body, scripts, forms, base/link, frames, iframes or objects); images and links are allowed there, unlike in a plain `string` (`security.html-in-string`).")
_kind("security.html-in-markdown", W, "the markdown contains active HTML markup ({tag})", "Markdown should not carry raw active HTML (R5: 'HTML is not allowed'; the HL7 validator checks it in R4 too); a warning. Formatting text and autolinks such as `<https://...>` are fine.")
_kind("codesystem.property-undeclared", W, "concept '{concept}' has the property '{code}', which the CodeSystem does not declare in property", "R4 CodeSystem.concept.property.code is \"a reference to CodeSystem.property.code\", so a property a concept uses should be declared; R4 states no invariant for it, and the concept's meaning is unchanged, so it is a warning, as in the HL7 validator (CODESYSTEM_PROPERTY_UNDEFINED). Published code systems (UK Core's MedicationRequestCategory, some of HL7 Terminology's) use `inactive` and the like without declaring them.")
_kind("codesystem.property-type", E, "property '{code}' is declared of type {type}, but this value is a {actual}", "R4 CodeSystem.property.type is the type of the property value: a concept's value[x] for it has that type.")
_kind("codesystem.count", E, "count is {count}, but the complete CodeSystem lists {listed} concepts", "R4 CodeSystem.count is the total number of concepts of the code system; with content = complete all of them are in the resource (nested ones included).")
_kind("valueset.include-unknown-code", E, "'{code}' is not a code of {system}, so the value set cannot include it", "R4 ValueSet.compose.include.concept names codes of the included code system; where that code system is loaded and complete, a code it does not define is an error.")
_kind("capabilitystatement.searchparam-type", E, "search parameter type '{type}' differs from the type of its definition {url}, '{defined}'", "R4 CapabilityStatement searchParam.definition names the SearchParameter that gives the parameter its meaning, so the types agree.")
_kind("structuredefinition.type-invalid", E, "type '{type}' is not valid: {detail}", "R4 StructureDefinition.type: relative names stand for http://hl7.org/fhir/StructureDefinition/[type] and must be FHIR types; absolute URLs are only allowed in logical models.")
_kind("structuredefinition.specialization-same-type", E, "a specialization defines a new type, but '{type}' is already the type of its base {base}", "R4 StructureDefinition.derivation: a specialization is the master definition of a new type, so its type differs from its base's.")
_kind("structuredefinition.path-type", W, "path '{path}' does not start with '{name}', the tail of the logical model's type URL", "R4 StructureDefinition.type: in a logical model the element paths SHOULD start with the tail of the type URL.")
_kind("structuredefinition.discriminator-path", E, "discriminator path '{path}' names no element of {element}", "R4 profiling.html#discriminator: the path identifies an element of each slice; in a constraint every name along it is an element of the sliced element's type.")
_kind("structuredefinition.constraint-base", E, "a constraint keeps its base's {what}: '{value}' is not '{base_value}', the {what} of {base}", "R4 StructureDefinition.derivation: a constraint adds rules to an existing type, so its type and kind are those of its base.")
_kind("structuredefinition.differential-invalid", E, "differential element '{element}' cannot apply to the base: {reason}", "R4 profiling.html: a profile only constrains what its base defines (no new elements, narrower cardinalities, a subset of the types, isModifier and a required binding unchanged).")
_kind("structuredefinition.meaning-when-missing", E, "'{path}' states a meaningWhenMissing, which a profile cannot", "R4 ElementDefinition.meaningWhenMissing: implicit meanings can only be specified on a resource, data type or extension definition, never in a profile.")
_kind("structuredefinition.value-type", E, "{what} of '{path}' is not of the element's type ({types})", "R4 ElementDefinition fixed[x], pattern[x], defaultValue[x] are values of the element; minValue[x]/maxValue[x] SHALL be of the element's type.")
_kind("structuredefinition.target-not-resource", E, "target profile {url} describes the data type {type}: a Reference targets resources", "R4 ElementDefinition.type.targetProfile applies to the target of the reference, which is a resource.")
_kind("structuredefinition.extension-modifier", E, "{url} is {what}, so it cannot be used in '{element}'", "R4 extensibility.html: modifier extensions go in modifierExtension, other extensions in extension.")
_kind("structuredefinition.invariant-syntax", E, "constraint {key}: the expression is not valid FHIRPath: {detail}", "R4 ElementDefinition.constraint.expression is a FHIRPath expression.")
_kind("structuredefinition.invariant-names", W, "constraint {key}: {detail}, so that part of the expression is always empty", "FHIRPath evaluates a name the type does not have to empty; a constraint that uses one does not test what it says (the HL7 validator makes this an error).")
_kind("structuredefinition.invariant-key", E, "constraint key {key} already stands for another expression in this element list", "R4 ElementDefinition.constraint.key identifies one constraint; the same key with different expressions is ambiguous.")
_kind("structuredefinition.binding-not-value-set", W, "the binding's value set {url} is a {type}, not a ValueSet", "R4 ElementDefinition.binding.valueSet refers to a ValueSet (a warning: R4's own ExplanationOfBenefit binds priority to a CodeSystem URL; the HL7 validator makes it an error).")
_kind("structuredefinition.context-not-extension", E, "only an extension has a context, and this definition's type is {type}", "R4 StructureDefinition.context identifies where an extension can be used; other definitions have none (sdf-18 says the same of contextInvariant).")
_kind("structuredefinition.snapshot-missing", E, "differential element '{element}' is not in the snapshot", "R4 StructureDefinition.snapshot is the standalone, complete view of the structure, so it holds every element the differential states.")
_kind("structuredefinition.binding-not-coded", E, "'{path}' has a binding, but its type ({types}) is not a coded type, string or uri", "R4 eld-11: Binding can only be present for coded elements, string, and uri (the R4 expression of eld-11 never fails, so the rule is checked as stated).")
_kind("structuredefinition.type-code", E, "type code '{code}' is not valid: {detail}", "R4 ElementDefinition.type.code: relative codes stand for http://hl7.org/fhir/StructureDefinition/[code] and must be FHIR types; absolute URLs are only allowed in logical models (the FHIRPath System types of primitive values aside).")
_kind("structuredefinition.profile-unknown", E, "{what} {url} is in HL7's core namespace, but neither R4 nor HL7's extensions pack defines it", "HL7 publishes the StructureDefinitions of http://hl7.org/fhir/StructureDefinition/ in R4 or its extensions pack; a type profile or target profile there that neither defines names nothing.")
_kind("structuredefinition.profile-unresolved", W, "{what} {url} is not in the loaded packages, so it was not checked", "A type profile or target profile outside HL7's core namespace that no loaded package holds; load its package (`--ig`) to check it.")
_kind("structuredefinition.content-reference", E, "contentReference '{reference}' names no element of the definition (or its base)", "R4 ElementDefinition.contentReference identifies an element defined elsewhere in the definition, whose content rules apply here; that element must exist.")
_kind("structuredefinition.context-unknown-element", E, "the extension's element context '{path}' names no element", "R4 StructureDefinition.context of type element is the path of an element where the extension may be used; the path must name an element of the type.")
_kind("structuredefinition.extension-url", E, "Extension.url is fixed to '{value}', not the definition's url '{expected}'", "R4 Extension.url: the definition SHALL be a URI for the StructureDefinition defining the extension, so an extension definition fixes it to its own url.")
_kind("structuredefinition.nested-extension-url", W, "the nested extension's url is fixed to '{value}', not its slice name '{expected}'", "A complex extension's nested extension is named by its relative url, and definitions name its slice after it; R4 states no rule tying the two, so a mismatch is a warning (HL7's extensions pack has two).")
_kind("structuredefinition.profile-wrong-type", E, "profile {url} describes the type {described}, not {type}, the type it is given for", "R4 ElementDefinition.type.profile applies to the element's data type: a StructureDefinition named there must describe that type.")
_kind("measure.criteria-not-in-library", E, "the criterion names {name}, which the library {library} does not define", "R4 Measure.library holds the measure's logic; a CQL qualified identifier Library.Name refers to the definition Name of that library (checked against the library's inline ELM or CQL).")
_kind("measure.criteria-not-checked", INFO, "criteria naming the library {library} were not checked: the library {reason}", "A Measure's CQL criterion qualified by a library name (Library.Name) whose library is not at hand (not contained, not in the loaded packages or --ig files) or holds no inline ELM or CQL: whether the library defines the name is unknown, so nothing is claimed. Load the library with --ig to have it checked.")
_kind("measurereport.group-unknown", E, "the group ({code}) is not a group of the measure", "R4 MeasureReport.group: one for each population group of the measure, its code the group's code in the Measure (a single-group measure needs none).")
_kind("measurereport.group-missing", E, "the complete report has no group for the measure's group ({code})", "R4 MeasureReport.group: a complete report has one group for each population group of its Measure.")
_kind("measurereport.population-unknown", E, "the population ({code}) is not a population of the measure's group", "R4 MeasureReport.group.population: one for each type of population the Measure's group defines.")
_kind("measurereport.duplicate", E, "the {what} ({code}) is already reported", "R4 MeasureReport.group, group.population and group.stratifier: one for each group, population and stratifier of the measure.")
_kind("measurereport.missing", E, "the complete report's group has no {what} for the measure's {what} ({code})", "R4 MeasureReport.group.population: one for each type of population the measure defines; group.stratifier: a stratifier group for each stratifier the measure defines.")
_kind("measurereport.stratifier-unknown", E, "the stratifier ({code}) is not a stratifier of the measure's group", "R4 MeasureReport.group.stratifier.code: the meaning of the stratifier as defined in the measure definition.")
_kind("measurereport.proportion-score", E, "the measure scores a proportion, so the score {value} is not between 0 and 1", "R4 measure-scoring 'proportion': the measure score is a proportion (a numerator drawn from its denominator).")
_kind("measurereport.subject-results", E, "a '{type}' report lists no subjects (subjectResults is for subject-list reports)", "R4 MeasureReport.group.population.subjectResults refers to the list of subjects, which only a subject-list report returns.")
_kind("element.duplicate-id", E, "id '{id}' is used by another element of the same resource", "R4 Element.id: a unique id for the element within a resource (for internal references).")
_kind("operation.profile-conflict", E, "parameter '{name}' ({use}): {detail} ({profile})", "R4 OperationDefinition.inputProfile/outputProfile: the profile \"shall not conflict with what is specified in the parameters in the operation definition (max/min etc.)\"; its slice for the parameter differs in cardinality, types or target profiles.")
_kind("operation.profile-not-parameters", E, "the '{use}' profile {profile} constrains {type}, not Parameters", "R4 OperationDefinition.inputProfile/outputProfile: the profile is a constraint on the Parameters resource.")
_kind("operation.profile-parameter-missing", W, "the '{use}' profile {profile} has no slice for the parameter '{name}'", "R4 OperationDefinition.inputProfile/outputProfile is \"a single profile that covers all the parameters\"; a parameter of the operation is not described in it.")
_kind("operation.profile-parameter-unknown", W, "the '{use}' profile {profile} describes a parameter '{name}' that the operation does not define", "R4 OperationDefinition.inputProfile/outputProfile covers the operation's parameters; a slice names a parameter the operation definition does not have.")
_kind("operation.parameter-cardinality", E, "parameter '{name}': {detail}", "R4 OperationDefinition.parameter.min/max: max is a number or '*', and min is not above it (as eld-2 and eld-3 say of ElementDefinition).")
_kind("searchparameter.composite-without-components", E, "a composite search parameter has no component to define its parts", "R4 SearchParameter.component defines the parts of a composite search parameter, which combines searches on two or more values.")
_kind("searchparameter.expression-invalid", E, "the search expression is not valid for the parameter's base: {detail}", "R4 SearchParameter.expression is a FHIRPath expression returning elements of the base resource types.")
_kind("searchparameter.derived-inconsistent", E, "the SearchParameter is not consistent with {url}, which it derives from: {detail}", "R4 SearchParameter.derivedFrom: a derived parameter keeps the parent's meaning, so the same type and a base within the parent's.")
_kind("questionnaire.not-found", W, "questionnaire '{url}' is not loaded, so the answers were not checked against it", "A QuestionnaireResponse whose Questionnaire is neither contained nor in the loaded packages; load it with `--ig` to check the answers.")
_kind("questionnaire.linkid-unknown", E, "linkId '{link_id}' is not an item of the questionnaire{where}", "A QuestionnaireResponse item must correspond to a Questionnaire item with the same linkId at the same place in the nesting (questionnaireresponse.html).")
_kind("questionnaire.answers-not-allowed", E, "item '{link_id}' is a {type} item, which takes no answers", "Group, display and the abstract `question` items have no answers; a group's content goes in its sub-items.")
_kind("questionnaire.answer-type", E, "the answer to '{link_id}' is a {actual}; a {type} item takes {expected}", "Answers must be of the type the item declares (Questionnaire.item.type; for choice items, the type of the answerOption values).")
_kind("questionnaire.answer-not-allowed", E, "{value} is not an allowed answer to '{link_id}' ({source})", "A choice answer must be one of the item's answerOption values or in its answerValueSet.")
_kind("questionnaire.required", E, "required item '{link_id}' has no answer", "In a completed QuestionnaireResponse every enabled item with `required` true is answered (Questionnaire.item.required).")
_kind("questionnaire.repeats", E, "item '{link_id}' {detail}", "Only items with `repeats` true take several answers, and a question appears once per group occurrence (Questionnaire.item.repeats).")
_kind("questionnaire.not-enabled", E, "item '{link_id}' has answers but is not enabled (its enableWhen conditions are not met)", "Answers are only allowed on enabled items (Questionnaire.item.enableWhen, enableBehavior).")
_kind("questionnaire.answer-limit", E, "answer to '{link_id}': {detail}", "An answer outside a limit the item sets: minValue/maxValue, minLength/maxLength, regex, minOccurs/maxOccurs, unit options, mime type, size, exclusive options.")
_kind("questionnaire.item-order", E, "item '{link_id}' is out of order: it comes after an item that follows it in the questionnaire", "A QuestionnaireResponse's items are in the order of the questionnaire's items at each level of nesting (QuestionnaireResponse: \"the questions are ordered and grouped ... corresponding to the structure of the grouping of the questionnaire\").")
_kind("questionnaire.item-text", E, "the text of item '{link_id}' is '{text}', not the questionnaire's '{expected}'", "QuestionnaireResponse.item.text, when present, is the text of the question being answered (or of the group), so it is the questionnaire item's text.")
_kind("questionnaire.group-empty", E, "required group '{link_id}' has no items", "A required group must contain at least one child item (Questionnaire.item.required).")
_kind("questionnaire.answer-multiline", W, "the answer to string item '{link_id}' has a line break; a string item takes a short answer (a text item takes long ones)", "R4 item-type: a string item takes \"a short (few words to short sentence) free-text entry\", a text item a long, possibly multi-paragraph one.")
_kind("questionnaire.authored-outside-period", W, "the response was authored {authored}, {where} of the questionnaire's effective period ({bound})", "Questionnaire.effectivePeriod is the period during which the questionnaire is in active use; a response authored outside it used it out of its period.")
_kind("questionnaire.enablewhen-circular", E, "enableWhen names '{link_id}', {what}; an item cannot be enabled by itself or by an item nested in it", "An item's descendants are disabled with it (Questionnaire.item.enableWhen), so its enableWhen cannot depend on itself or on them.")
_kind("questionnaire.enablewhen-target", E, "enableWhen names question '{link_id}', which is not an item of this questionnaire", "Questionnaire.item.enableWhen.question is the linkId of another item of the same questionnaire.")
_kind("bundle.fullurl-not-absolute", E, "fullUrl '{url}' is not an absolute URL", "R4 Bundle.entry.fullUrl: \"The Absolute URL for the resource\" — an absolute http(s) URL or a `urn:uuid:`/`urn:oid:`, never a relative reference such as `Patient/1`.")
_kind("bundle.fullurl-mismatch", E, "fullUrl '{url}' does not agree with the entry's resource, {expected}", "R4 Bundle.entry.fullUrl: a fullUrl that is not a urn:uuid SHALL NOT disagree with the resource's type and id.")
_kind("bundle.fullurl-without-id", E, "fullUrl '{url}' is a RESTful URL but the entry's resource has no id", "R4 Bundle.entry.fullUrl: a RESTful fullUrl names the resource's id, so the resource must carry it.")
_kind("bundle.link-repeated", E, "the Bundle has more than one '{relation}' link", "The identity and paging links (self, first, previous, next, last) each name one URL (R4 http.html#paging).")
_kind("value.attachment-size", E, "Attachment.size says {stated} bytes but the data holds {actual}", "R4 Attachment.size is the number of bytes of the data (before base64 encoding).")
_kind("value.attachment-hash", E, "Attachment.hash is not the SHA-1 of the data (which is {actual} in base64)", "R4 Attachment.hash is the SHA-1 hash of the data, in base64.")
_kind("document.reference-not-included", E, "'{reference}' is referenced by the document's Composition but is not an entry of the Bundle", "R4 Composition: \"any other resources referenced from Composition must be included as subsequent entries in the Bundle\"; documents.html lists the subject, encounter, authors, attesters, custodian and each section's author, focus and entries.")
_kind("document.entry-unlinked", E, "entry {entry} is not linked to the document's Composition by any reference", "R4 documents.html: a document Bundle holds the Composition, what it references directly or indirectly, and what refers to those (a Provenance); an entry no chain of references joins to the Composition is not part of the document.")
_kind("bundle.fullurl-missing", E, "the entry has a resource but no fullUrl", "R4 Bundle.entry.fullUrl: \"The fullUrl element SHALL have a value except that: fullUrl can be empty on a POST [...] Results from operations might involve resources that are not identified\": required except in transaction and batch Bundles and their responses, on a POST, and for an OperationOutcome (an operation's result).")
_kind("bundle.first-entry-missing", E, "a {type} Bundle must have a {expected} as the resource of its first entry", "R4 bdl-11/bdl-12 and the Composition and MessageHeader definitions: a document Bundle starts with its Composition, a message Bundle with its MessageHeader, so one without entries or whose first entry has no resource is neither.")
_kind("bundle.search-entry-no-id", E, "a search result with mode '{mode}' must have an id", "R4 Resource.id: \"The only time that a resource does not have an id is when it is being submitted to the server using a create operation\"; a search match or include comes from the server.")
_kind("bundle.search-match-type", E, "a resource of type {actual} is not a match of a search for {types}", "R4 search.html: entries with search.mode 'match' are the resources the search (the Bundle's self link) asked for: a search on a type matches resources of that type (or of the `_type` list).")
_kind("bundle.search-outcome-type", E, "an entry with search mode 'outcome' must be an OperationOutcome, not a {actual}", "R4 search-entry-mode: 'outcome' is \"An OperationOutcome that provides additional information about the processing of a search\".")
_kind("reference.target-profile-not-evaluated", W, "'{reference}' refers to a {type} whose conformance to {profiles} was not decided: its target-profile checks nest more than {depth} deep", "R4 ElementDefinition.type.targetProfile: a target the document holds must conform to one of the profiles; a chain of targets whose own targets have target profiles is followed to a bounded depth, beyond which the check is reported as not made (never a pass).")
_kind("reference.ambiguous", E, "'{reference}' matches more than one entry of the Bundle (the same fullUrl with different versions)", "R4 bundle.html: entries may share a fullUrl when their meta.versionId differ (bdl-7); a reference to it that is not version-specific names no one resource (the HL7 validator reports it as an error too).")
_kind("message.focus-not-included", E, "'{reference}' is a focus of the message's MessageHeader but is not an entry of the Bundle", "R4 MessageHeader.focus: \"The transaction data is always included in the bundle that is the full message\".")
_kind("document.narrative-link-unresolved", E, "narrativeLink '{url}' names no element of that entry", "R4 extension narrativeLink: \"a url that is a reference to a portion of the narrative of a resource\"; the fragment after `#` must be the id of an element of the entry the url names (in its narrative).")
_kind("document.narrative-link-ambiguous", E, "narrativeLink '{url}' names {count} elements of that entry, not one", "R4 extension narrativeLink: the url references one portion of the narrative, so its fragment must identify one element of the entry.")
_kind("reference.bad-format", E, "'{reference}' is not a literal reference: neither an absolute URL nor Type/id (a conditional Type?parameters reference is for transactions)", "R4 references.html: a literal reference is an absolute URL or a relative one, relative to the service base, of the RESTful shape [type]/[id][/_history/[vid]]; conditional references (Type?parameters) are resolved by a server processing a transaction or batch (http.html#trules). Checked inside Bundles, as the HL7 validator does.")
_kind("reference.canonical-type", E, "'{url}' names a {actual}; this element's canonical allows {allowed}", "R4 ElementDefinition.type.targetProfile applies to canonical elements too (\"Used when the type is 'Reference' or 'canonical'\"): a canonical that names a resource at hand (contained, or in the loaded packages) names one of the allowed types, e.g. canonical(ValueSet) does not name a CodeSystem.")
_kind("reference.conditional-query", E, "'{reference}' is a conditional reference whose query is not search parameters (name=value, joined by &)", "R4 http.html#trules: a server resolves a conditional reference (Type?query) in a transaction or batch by performing that search, and a search's parameters are name=value pairs (search.html); a query without them names no search.")
_kind("reference.white-space", E, "'{reference}' holds white space, which no URL may hold", "R4 references.html: a literal reference is a URL, absolute or relative to the service base; RFC 3986 §2 lets no URL hold white space (a space in an id or a base breaks the reference).")
_kind("bundle.duplicate-fullurl", E, "fullUrl '{url}' is used by more than one entry (bdl-7)", "Entries of a Bundle must not share a fullUrl (unless versions differ).")

# -- CDS Hooks 2.0 documents (conformance/validation/cdshooks/ cites the specification for each) ---------
_kind("cdshooks.required", E, "{what} has no '{name}', which {why}", "A field the CDS Hooks 2.0 specification marks REQUIRED (or CONDITIONAL, its condition met) is absent.")
_kind("cdshooks.wrong-type", E, "'{name}' must be a JSON {expected}, not {actual}", "A CDS Hooks field whose value is not of the JSON type its table gives (string, object, array, integer, boolean).")
_kind("cdshooks.null-or-empty", E, "'{name}' is {actual}: CDS Hooks values SHALL NOT be null or empty; omit an optional field instead", "CDS Hooks 2.0, Use of JSON: values are never `null`, `\"\"`, `[]` or `{{}}` unless the specification says so (a prefetch key with no data is `null`; a response may have no cards).")
_kind("cdshooks.code-unknown", E, "'{name}' is '{value}'; the allowed values are {allowed}", "A CDS Hooks field with a closed set of values (card indicator, selectionBehavior, action type, link type, token_type) has another value.")
_kind("cdshooks.not-a-url", E, "'{name}' is '{value}', which is not an absolute URL", "A CDS Hooks field of type URL (fhirServer, source.url, source.icon, link.url) that is not an absolute URL.")
_kind("cdshooks.not-a-resource", E, "'{name}' must be a FHIR resource (a JSON object with 'resourceType'); {detail}", "The specification puts a FHIR resource here (a prefetch value, a context field of a FHIR type, an action's resource) and the value is something else.")
_kind("cdshooks.resource-type", E, "'{name}' is a {actual}; the {hook} hook defines it as a {expected}", "A hook context field defined as a FHIR Bundle (draftOrders, appointments) or Task holds another resource type.")
_kind("cdshooks.selection-behavior", E, "this card has suggestions but no selectionBehavior", "CDS Hooks 2.0, Card: \"If suggestions are present, selectionBehavior MUST also be provided\".")
_kind("cdshooks.extension", E, "'extension' must be a JSON object of named extensions, not {actual}", "CDS Hooks 2.0, Extensions: \"The value of an extension element MUST be a pre-coordinated JSON object\".")
_kind("cdshooks.override-display", E, "override reason {index} has no display", "CDS Hooks 2.0, Card: \"If override reasons are present, the CDS Service MUST populate a display value for each reason's Coding\".")
_kind("cdshooks.prefetch-token", E, "prefetch token '{token}' {why}", "CDS Hooks 2.0, Prefetch tokens: they \"MUST be delimited by {{{{ and }}}}, and MUST contain only the qualified path to a hook context field or one of the following user identifiers\", and only fields the hook marks as prefetch tokens.")
_kind("cdshooks.title-recommended", W, "this CDS Service has no title", "CDS Hooks 2.0, Discovery: a service's `title` is RECOMMENDED (the human-friendly name of the service).")
_kind("cdshooks.timestamp", W, "outcomeTimestamp '{value}' is not an ISO timestamp in UTC", "CDS Hooks 2.0, Feedback: outcomeTimestamp is an \"ISO timestamp in UTC when action was taken on card\" (its type is string: a warning).")
_kind("cdshooks.summary-length", W, "the card summary has {length} characters; the specification defines it as a <140-character message", "CDS Hooks 2.0, Card.summary: \"One-sentence, <140-character summary message\" (no MUST: a warning).")
_kind("cdshooks.not-uuid", W, "'{name}' is '{value}', which is not a UUID", "hookInstance is described as \"a universally unique identifier (UUID)\" (its type is string: a warning).")
_kind("cdshooks.context-id", W, "'{name}' is '{value}', which is not a FHIR {type}.id", "A hook context field described as a FHIR id (patientId, encounterId) holds something else, such as a relative reference `Patient/123`.")
_kind("cdshooks.user-format", E, "'userId' is '{value}'; the {hook} hook says it Must be in the format [ResourceType]/[id]", "patient-view (CDS Hooks Library STU1): userId \"Must be in the format [ResourceType]/[id]\"; the other hooks only give examples, so there it is the warning cdshooks.context-reference.")
_kind("cdshooks.authorization-patient", W, "the granted scopes include patient scopes but fhirAuthorization has no 'patient'", "CDS Hooks 2.0, fhirAuthorization.patient: \"If the granted SMART scopes include patient scopes (i.e. patient/) ... This field SHOULD be populated to identify the FHIR id of that patient\".")
_kind("cdshooks.context-reference", W, "'{name}' is '{value}'; the {hook} hook expects a relative reference to {types}", "A hook context field described as a relative reference (userId, performer, dispatchedOrders) is not `Type/id` of an expected type.")
_kind("cdshooks.selection-unresolved", W, "selection '{value}' is not a resource of draftOrders", "order-select: \"The selections field references FHIR resources in the draftOrders Bundle. For example, MedicationRequest/103\".")
_kind("cdshooks.app-context", W, "appContext is given on a link of type '{type}'", "CDS Hooks 2.0, Link.appContext: \"should only be valued if the link type is smart and is not valid for absolute links\".")
_kind("cdshooks.delete-resource-id", W, "a delete action should name the resource to delete in 'resourceId'", "CDS Hooks 2.0, Action.resourceId: \"SHOULD be provided when the type attribute is delete\".")
_kind("cdshooks.hook-unknown", INFO, "hook '{hook}' is not one of the CDS Hooks 2.0 hooks; its context was not checked", "Hooks are an open set (anyone may define one); only the hooks of the 2.0 catalogue have their context checked.")
_kind("cdshooks.unknown-field", INFO, "'{name}' is not a field of {what}", "A field the specification does not define (custom data belongs in `extension`; the specification does not forbid others).")
_kind("cdshooks.http-fhir-server", INFO, "fhirServer uses http; the scheme MUST be https when production data is exchanged", "CDS Hooks 2.0, request: fhirServer's scheme MUST be https with production data, which a file cannot tell.")

# -- HTTP limits (`conformance run`: conformance/scenarios/limits.py) ------------------------------------
_kind("http.response-too-large", E, "the response from {url} is {size} bytes ({what}), over the limit of {limit}; it was not read further", "A response body larger than `--max-response-mb` as received, or than `--max-decompressed-mb` once gzip/deflate is undone (a compression bomb). The step ends there; the run goes on.")
_kind("http.response-undecodable", E, "the response from {url} could not be decompressed: {reason}", "A body whose Content-Encoding (gzip, deflate) is corrupt.")
_kind("http.request-deadline", E, "no complete response from {url} within {limit} s (--request-deadline)", "The whole exchange (connecting, headers and every byte of the body) took longer than the per-request deadline: a target that trickles its answer cannot hold a run.")
_kind("http.run-deadline", E, "the run's deadline of {limit} s (--run-deadline) passed during the request to {url}", "The run took longer than `--run-deadline`; the request in flight ends and the scenarios after it are not run.")
_kind("http.response-too-deep", E, "the JSON response from {url} nests more than {limit} levels deep; it was not parsed (--max-json-depth)", "A JSON body nested deeper than the limit is recorded as text and never parsed (no FHIR resource is that deep).")

# -- tool ----------------------------------------------------------------------------------------------------
_kind("internal.error", F, "internal error while validating: {reason}. This is a bug in conformance; please report it", "The tool failed; the message says where. Other files are still validated.")

# -- exported files --- (`conformance check`: conformance/files/ documents each rule) -------------------------
_kind("export.archive-refused", F, "the archive was refused: {reason}", "A `.zip` or `.gz` input that is unsafe to read (a member path that escapes the archive, a link, an encrypted member, too many members, too much uncompressed data or a compression ratio typical of a zip bomb). Nothing more is read from it; the other inputs are still checked.")
_kind("export.manifest-invalid", E, "not a usable Bulk Data manifest: {reason}", "A FHIR Bulk Data `$export` manifest (a JSON object with `transactionTime`, `request` and `output[]`) that lacks a required property, or an `output` entry without `type` or `url`.")
_kind("export.manifest-file-missing", E, "the manifest lists {url}, but {reason}", "An `output[]` url of a Bulk Data manifest that resolves (relative to the manifest; for an absolute URL, by its last path segment) to no file of the export, or to a place outside it.")
_kind("export.manifest-type", E, "the Bulk Data manifest lists this file as {expected}, but this resource is of type {actual}", "A resource in a file whose type differs from the `type` that the manifest's `output[]` entry gives for the file.")
_kind("export.type-not-allowed", E, "a resource of type {actual} is not allowed in this file; the profile allows {allowed}", "A resource whose type is not among the `resource_types` of the profile's first `file_checks.files` entry that matches the file.")
_kind("export.file-unmatched", W, "no entry of the profile's file_checks.files matches this file; it was checked without type restrictions", "A file of the export that none of the profile's file patterns matches (it is still read and checked).")
_kind("export.findings-not-kept", W, "{count} more findings ({severities}) were not kept: the findings store reached its disk limit of {limit} MB", "Findings are kept on disk once they are many; when the run's disk budget (`CONFORMANCE_FINDINGS_DISK_MB`) is used up, later findings of the test are counted, not kept. They still decide the verdict; raise the limit or lower `--max-repeats` to keep them listed.")
_kind("export.file-missing", E, "no file of the export matches '{pattern}'", "A `files-present` pattern that matches no path inside the export.")
_kind("export.id-missing", E, "this {type} has no id, so nothing in the export can refer to it", "A resource at the top level of an export (an NDJSON line, a single-resource file) without an `id`.")
_kind("export.duplicate-id", E, "{key} appears more than once in the export (first at {first})", "Two top-level resources of the export with the same resource type and id.")
_kind("export.reference-unresolved", E, "'{reference}' does not resolve {scope}", "A literal reference that names no resource of the export (or, inside a Bundle, no entry of that Bundle, and inside a resource no contained resource) and matches none of the rule's `allow_external` patterns.")
_kind("export.subject-missing", E, "{element} {reason}", "A `subject`/`patient` (or other named) element that does not reference a Patient present in the export (inside a Bundle: in that Bundle).")
_kind("export.identifier-duplicate", E, "{system} '{value}' is also held by {other} (at {first})", "An identifier value (of the rule's system, on resources of the rule's type) held by more than one resource of the export.")
_kind("export.count-below-minimum", E, "{scope} holds {count} {type} resource(s); at least {minimum} required", "Fewer resources of a type than the profile's minimum, in the whole export (`resource-counts`) or in a Bundle (`bundle` rule's `required_types`).")
_kind("export.bundle-missing", E, "the export holds no Bundle, so the rule could not be met", "A `bundle` rule with no top-level Bundle in the export to check.")
_kind("export.bundle-type", E, "Bundle.type is {actual}; the profile requires {expected}", "A top-level Bundle whose `type` is not the one the profile's `bundle` rule requires.")
_kind("export.bundle-first-entry", E, "the first entry of the Bundle is {actual}; the profile requires a {expected}", "A top-level Bundle whose first entry's resource is not of the type the profile's `bundle` rule requires (a message Bundle starts with its MessageHeader).")
_kind("export.assertion-failed", E, "{message}: {expression} gave {result}", "A `fhirpath` rule's expression did not give `true` on a resource of its type (or could not be evaluated on it).")
_kind("export.values-differ", E, "{message}: {expression} gives {value} here but {first} in the first {type} of this Bundle", "A `consistent-values` rule (`mode: same`): an entry of the Bundle whose value differs from the first entry's.")
_kind("export.values-repeat", E, "{message}: {expression} gives {value} here, as it does in an earlier {type} of this Bundle", "A `consistent-values` rule (`mode: distinct`): an entry of the Bundle whose value an earlier entry already has.")
_kind("export.value-format", E, "'{value}' does not match the pattern {pattern}", "A `check-character` rule: a value that does not have the shape the rule's `pattern` requires.")
_kind("export.check-character", E, "'{value}' ends in the check character {actual}; {algorithm} gives {expected}", "A `check-character` rule: a value whose last character is not the check character the rule's algorithm computes (e.g. an EPS prescription ID with a wrong ISO 7064 MOD 37-2 character).")

# -- scenario expectations (one per type of conformance/scenarios/expectations/) ----------------------
_kind("expect.status", E, "status was {actual}", "A scenario step's response has another HTTP status than its `status` expectation.")
_kind("expect.header", E, "{header} is {actual}", "A response header is absent, present, or has another value than a `headers` expectation says.")
_kind("expect.header-format", E, "{header} is {actual}", "A response header is absent or its value does not have the format a `header_format` expectation names (e.g. a UUID).")
_kind("expect.content-type", E, "Content-Type was {actual}", "The response's media type is not the one a `content_type` expectation names.")
_kind("expect.resource-type", E, "body is a {actual}", "The response body is not FHIR JSON of the resource type a `resource_type` expectation names.")
_kind("expect.etag", E, "ETag is {actual}", "The `ETag` header is absent, not a (weak) entity tag, or names another version than the body's `meta.versionId` or the expected one.")
_kind("expect.conforms", E, "{message}", "A `conforms_to` expectation could not validate the body: no body, or the profile is not in the loaded packages (validation errors carry the validator's own codes).")
_kind("expect.fhirpath", E, "{expression} gave {result}", "A `fhirpath` expectation's expression did not give exactly `true` on the response body, or could not be evaluated.")
_kind("expect.bundle", E, "{message}", "The response body is not a Bundle of the expected type, total, number of entries or entry types.")
_kind("expect.operation-outcome", E, "issue codes: {actual}", "The response body is not an OperationOutcome with an issue carrying one of the codes an `operation_outcome` expectation names.")
_kind("expect.error-coding", E, "{message}", "The response body is not an OperationOutcome with an issue coded from the error-code system (and code, version, display) an `error_coding` expectation names.")
_kind("expect.response-time", W, "took {elapsed} ms", "The response took longer than a `max_time_ms` expectation allows (a warning: time depends on the network).")


def make_issue(
    code: str,
    node: Node | None = None,
    /,
    *,
    severity: Severity | None = None,
    location: str | None = None,
    line: int | None = None,
    column: int | None = None,
    **params: Any,
) -> Issue:
    """Build an Issue from its catalogue entry, located at `node` unless told otherwise."""
    kind = CATALOGUE[code]
    try:
        message = kind.template.format(**params)
    except (KeyError, IndexError):  # a missing parameter must never hide the finding
        message = kind.template + " " + repr(params)
    if node is not None:
        loc = location if location is not None else node.location
        ln, col = node.position if line is None else (line, column or 0)
    else:
        loc, ln, col = location or "", line or 0, column or 0
    return Issue(severity or kind.severity, code, message, loc, ln, col)


def catalogue_markdown() -> str:
    """The issue-code reference (docs/issue-codes.md), generated so it cannot drift from the code."""
    lines = [
        "# Issue codes",
        "",
        "Every finding carries one of these stable codes. Messages may be reworded; codes never change.",
        "Generated from `conformance/issues.py` by `python -m conformance.issues > docs/issue-codes.md`.",
        "",
        "| code | default severity | meaning |",
        "|---|---|---|",
    ]
    for code in sorted(CATALOGUE):
        kind = CATALOGUE[code]
        lines.append(f"| `{code}` | {kind.severity.value} | {kind.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
