"""A QuestionnaireResponse checked against its Questionnaire (FHIR R4 questionnaireresponse.html).

R4 says a response's items mirror the questionnaire's: same `linkId`s, the same nesting (a
question's sub-items under its answers, a group's under the group), answers of the type the item
declares, only enabled items answered, `required` items answered in a completed response, answers
repeating only where the item does, and answers taken from `answerOption`/`answerValueSet` when
the questionnaire lists them. Answer limits come from the R4 core extensions on the item:
`minValue`/`maxValue`, `minLength`/`maxLength`, `regex`, `questionnaire-minOccurs`/`-maxOccurs`,
`questionnaire-unitOption`/`-unitValueSet`, `mimeType`/`maxSize`, `maxDecimalPlaces`, `questionnaire-optionExclusive`.
The response's items follow the questionnaire's order at each level ("the questions are ordered and grouped ...
corresponding to the structure of the grouping of the questionnaire"), an item's `text`, when given, is the
questionnaire item's, and a required group present has at least one item (Questionnaire.item.required).

Where R4's text decides otherwise than the HL7 validator, R4 is followed: `maxLength` bounds text items as well as
string ones (que-10 allows it on both); `!=` holds when the question has no answer (R4 enable-operator: "no answer
has a value that is equal"); a repeating question is one item with several answers (Questionnaire.item.repeats:
"one 'question' item with multiple answer values"), not several items; a group's minOccurs/maxOccurs count its
repetitions ("the minimum number of times the group must appear") and a question's bounds are inclusive.

The questionnaire is found by `QuestionnaireResponse.questionnaire`: a `#id` in `contained`, else the
loaded packages and `--ig` files. One that cannot be found is a warning and nothing else is checked.
The questionnaire is read as plain JSON (a contained one is turned into that form first), so every
rule here reads one shape. Beyond R4, as the HL7 validator does: a quantity bound that cannot be
compared (no unit code, UCUM units of different dimensions, different non-UCUM units) is reported, since the
answer cannot be shown to meet it; UCUM units of one dimension are converted (500 g is within a maximum of 10 kg)
and a non-UCUM unit compares with the same system and code, as the HL7 validator compares them.

Beyond R4: a `quantity` item's bounds may also come from the Structured Data Capture IG's
`sdc-questionnaire-minQuantity` / `-maxQuantity` extensions (SDC 2.0+, "the inclusive lower/upper
bound on the range of allowed values" of a quantity answer, the published successors of R4's
minValue/maxValue for Quantity). They are applied exactly as `minValue`/`maxValue` with a
`valueQuantity` are, whether or not the SDC package is loaded, as the HL7 validator applies them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.temporal import HOUR, compare, parse_datetime
from conformance.fhirpath.values import UCUM_SYSTEM as UCUM
from conformance.issues import Issue, make_issue
from conformance.validation.values import compare_quantity, decimal_places, decoded_length

EXT = "http://hl7.org/fhir/StructureDefinition/"
SDC_EXT = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
# the extensions bounding a quantity answer (R4 core and their SDC successors), with the side they bound
QUANTITY_BOUNDS: tuple[tuple[str, int, str], ...] = (
    (EXT + "minValue", -1, "minimum"), (SDC_EXT + "sdc-questionnaire-minQuantity", -1, "minimum"),
    (EXT + "maxValue", 1, "maximum"), (SDC_EXT + "sdc-questionnaire-maxQuantity", 1, "maximum"),
)

# item.type → the answer value[x] types R4 allows for it (choice/open-choice also take answerOption's types)
ANSWER_TYPES: dict[str, tuple[str, ...]] = {
    "boolean": ("Boolean",), "decimal": ("Decimal",), "integer": ("Integer",), "date": ("Date",),
    "dateTime": ("DateTime",), "time": ("Time",), "string": ("String",), "text": ("String",), "url": ("Uri",),
    "choice": ("Coding",), "open-choice": ("Coding", "String"), "attachment": ("Attachment",),
    "reference": ("Reference",), "quantity": ("Quantity",),
}
# a choice item with no answerOption: R4 item-type "choice" answers are Codings; the HL7 validator takes these too
FREE_CHOICE_TYPES = ("Coding", "Integer", "Date", "Time", "String")
NO_ANSWERS = frozenset({"group", "display", "question"})  # `question` is R4's abstract item type
COMPLETE = frozenset({"completed", "amended"})

InValueSet = Callable[[str, Node, str], "bool | None"]
Resolve = Callable[[str], "dict[str, Any] | None"]


def as_json(node: Node) -> dict[str, Any]:
    """A contained resource's tree as plain JSON (repeating elements as lists, primitives as text; a primitive's
    id and extensions, as in R4 JSON, under `_name`, so that one with an extension keeps its value)."""
    out: dict[str, Any] = {}
    if node.resource_type:
        out["resourceType"] = node.resource_type
    for child in node.children:
        value: Any = child.value if not child.children else as_json(child)
        _put(out, child, child.name, value)
        if child.value is not None and child.children:
            _put(out, child, "_" + child.name, as_json(child))
            _put(out, child, child.name, child.value, replace=True)
    return out


def _put(out: dict[str, Any], child: Node, name: str, value: Any, replace: bool = False) -> None:
    if child.repeating or child.in_json_array or (name in out and not replace):
        held = out.setdefault(name, [])
        if not isinstance(held, list):
            held = out[name] = [held]
        if replace:
            held[-1] = value
        else:
            held.append(value)
    else:
        out[name] = value


def canonical_target(resource: Node, url: str, resource_type: str, resolve: Resolve) -> dict[str, Any] | None:
    """The `resource_type` a canonical of `resource` names, as plain JSON: a `#id` among its
    contained resources, else from the loaded packages; None when neither has it."""
    if url.startswith("#"):
        for contained in resource.children_named("contained"):
            id_node = contained.child("id")
            if contained.resource_type == resource_type and id_node is not None and id_node.value == url[1:]:
                return as_json(contained)
        return None
    found = resolve(url)
    return found if isinstance(found, dict) and found.get("resourceType") == resource_type else None


def _items(d: Any, key: str) -> list[Any]:
    value = d.get(key) if isinstance(d, dict) else None
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _true(value: Any) -> bool:
    return value is True or value == "true"


def _extensions(item: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The item's extensions with URL `name` (a full URL) or, for a bare name, the R4 core `EXT + name`."""
    url = name if ":" in name else EXT + name
    return [e for e in _items(item, "extension") if isinstance(e, dict) and e.get("url") == url]


def _ext_value(ext: dict[str, Any]) -> tuple[str, Any] | None:
    for key, value in ext.items():
        if key.startswith("value"):
            return key[5:], value
    return None


def _answer_value(answer: Node) -> Node | None:
    for child in answer.children:
        if child.name.startswith("value") and len(child.name) > 5:
            return child
    return None


def _coding_key(coding: Any) -> tuple[str | None, str | None]:
    if isinstance(coding, Node):
        system, code = coding.child("system"), coding.child("code")
        return (system.value if system is not None else None, code.value if code is not None else None)
    if isinstance(coding, dict):
        return coding.get("system"), coding.get("code")
    return None, None


def _same_coding(answer: Node, option: Any) -> bool:
    a_system, a_code = _coding_key(answer)
    o_system, o_code = _coding_key(option)
    return a_code == o_code and (o_system is None or a_system == o_system)


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _same_option_coding(answer: Node, option: Any) -> bool:
    """A Coding answer is the answerOption's Coding: the same code in the same system (both absent counts
    as the same; a code with a system is not the same Coding as that code without one)."""
    return _coding_key(answer) == _coding_key(option)


def _same_value(answer: Node, type_name: str, option: Any) -> bool:
    if type_name == "Coding":
        return _same_option_coding(answer, option)
    if type_name == "Reference":
        ref = answer.child("reference")
        return ref is not None and isinstance(option, dict) and ref.value == option.get("reference")
    if type_name in ("Integer", "Decimal"):
        try:
            return Decimal(answer.value or "") == Decimal(_text(option))
        except InvalidOperation:
            return False
    return answer.value == _text(option)


class ResponseChecker:
    """Checks one QuestionnaireResponse node; `resolve` finds canonical resources, `in_value_set`
    answers membership (None when it cannot be known offline, which is never reported)."""

    def __init__(self, resolve: Resolve, in_value_set: InValueSet) -> None:
        self._resolve = resolve
        self._in_value_set = in_value_set

    def check(self, qr: Node, issues: list[Issue]) -> None:
        reference = qr.child("questionnaire")
        if reference is None or not reference.value:
            return
        questionnaire = self._questionnaire(qr, reference.value)
        if questionnaire is None:
            issues.append(make_issue("questionnaire.not-found", reference, url=reference.value))
            return
        status = qr.child("status")
        run = _Run(self, qr, questionnaire, status is not None and status.value in COMPLETE, issues)
        _authored_in_period(qr, questionnaire, issues)
        run.level(qr, _items(questionnaire, "item"), enabled=True)

    def _questionnaire(self, qr: Node, url: str) -> dict[str, Any] | None:
        return canonical_target(qr, url, "Questionnaire", self._resolve)


class _Run:
    """One response walked against one questionnaire."""

    def __init__(self, checker: ResponseChecker, qr: Node, questionnaire: dict[str, Any], complete: bool,
                 issues: list[Issue]) -> None:
        self.checker = checker
        self.qr = qr
        self.questionnaire = questionnaire
        self._items_below: dict[int, dict[str, list[Node]]] = {}  # see nearest_answers
        self.complete = complete
        self.issues = issues
        self.by_link_id: dict[str, dict[str, Any]] = {}
        for item in _walk_items(questionnaire):
            self.by_link_id.setdefault(str(item.get("linkId")), item)

    # -- structure ------------------------------------------------------------------------------------
    def level(self, parent: Node, defined: list[dict[str, Any]], enabled: bool) -> None:
        """The response items under `parent` against the questionnaire items `defined` there."""
        by_id = {str(d.get("linkId")): d for d in defined if isinstance(d, dict)}
        order = {link_id: index for index, link_id in enumerate(by_id)}
        present: dict[str, list[Node]] = {}
        last = -1
        for item in parent.children_named("item"):
            link = item.child("linkId")
            link_id = link.value if link is not None else None
            definition = by_id.get(link_id or "")
            if definition is None:
                if link_id:
                    elsewhere = link_id in self.by_link_id
                    self.issues.append(make_issue("questionnaire.linkid-unknown", item, link_id=link_id,
                                                  where=" at this level of nesting" if elsewhere else ""))
                continue
            index = order[link_id or ""]
            if index < last:
                self.issues.append(make_issue("questionnaire.item-order", item, link_id=link_id))
            last = index
            self.item_text(item, definition)
            present.setdefault(link_id or "", []).append(item)
        for definition in defined:
            if not isinstance(definition, dict):
                continue
            link_id = str(definition.get("linkId"))
            items = present.get(link_id, [])
            item_enabled = enabled and self.enabled(definition, parent)
            self.occurrences(parent, definition, items)
            for item in items:
                self.item(item, definition, item_enabled)
            if item_enabled and self.complete and _true(definition.get("required")) and not items:
                self.issues.append(make_issue("questionnaire.required", parent, link_id=link_id))

    def item_text(self, item: Node, definition: dict[str, Any]) -> None:
        """QuestionnaireResponse.item.text is "the text of the question being answered" (or the group's
        heading), there so that the response "can be read without access to the questionnaire" (R4
        QuestionnaireResponse.item.text, definition and requirements): when present it is the item's text
        in the questionnaire, not other words. A translation the questionnaire gives for its text (R4 extension
        `translation` on Questionnaire.item.text: "Language translation from base language of resource to another
        language") is the item's text too: a response filled in that language displays it."""
        text = item.child("text")
        if text is not None and text.value and text.value != definition.get("text") and \
                text.value not in _translations(definition.get("_text")):
            self.issues.append(make_issue("questionnaire.item-text", text, link_id=str(definition.get("linkId")),
                                          text=text.value, expected=definition.get("text") or ""))

    def occurrences(self, parent: Node, definition: dict[str, Any], items: list[Node]) -> None:
        link_id = str(definition.get("linkId"))
        kind = definition.get("type")
        if len(items) > 1 and (kind != "group" or not _true(definition.get("repeats"))):
            self.issues.append(make_issue("questionnaire.repeats", items[1], link_id=link_id,
                                          detail=f"appears {len(items)} times; only a repeating group may"))
        if kind == "group":
            self.counts(parent, definition, len(items), "repetitions")

    def counts(self, where: Node, definition: dict[str, Any], count: int, what: str) -> None:
        """questionnaire-minOccurs / -maxOccurs: how many answers (questions) or repetitions (groups). R4 sets no
        status aside ("the minimum number of answers for a question"), so a question given with too few answers
        is reported in any response. A question left out altogether falls under `required` alone, as for the HL7
        validator; a group's repetitions are counted, none at all only in a completed response (as `required`:
        "Default assumption for 'required' elements is minOccurs=1")."""
        link_id = str(definition.get("linkId"))
        for name, sign in (("questionnaire-minOccurs", -1), ("questionnaire-maxOccurs", 1)):
            for ext in _extensions(definition, name):
                found = _ext_value(ext)
                if found is None:
                    continue
                try:
                    limit = int(found[1])
                except (TypeError, ValueError):
                    continue
                given = count > 0 or what == "answers"  # a question's item is there, even with no answers
                if (sign < 0 and count < limit and (given or self.complete)) or (sign > 0 and count > limit):
                    word = "minimum" if sign < 0 else "maximum"
                    self.issues.append(make_issue("questionnaire.answer-limit", where, link_id=link_id,
                                                  detail=f"the {word} number of {what} is {limit}, found {count}"))

    def item(self, item: Node, definition: dict[str, Any], enabled: bool) -> None:
        link_id = str(definition.get("linkId"))
        kind = str(definition.get("type") or "")
        answers = item.children_named("answer")
        if not enabled:
            if answers or _has_answers(item):
                self.issues.append(make_issue("questionnaire.not-enabled", item, link_id=link_id))
            return
        children = _items(definition, "item")
        if kind in NO_ANSWERS:
            if answers:
                self.issues.append(make_issue("questionnaire.answers-not-allowed", item, link_id=link_id, type=kind))
            if kind == "group" and _true(definition.get("required")) and not item.children_named("item"):
                # R4 Questionnaire.item.required: "required groups must contain at least one child element"
                self.issues.append(make_issue("questionnaire.group-empty", item, link_id=link_id))
            self.level(item, children, enabled=True)
            return
        if item.children_named("item"):
            self.issues.append(make_issue("questionnaire.linkid-unknown", item.children_named("item")[0],
                                          link_id=_link_id(item.children_named("item")[0]),
                                          where=" here: a question's sub-items go under its answers"))
        if len(answers) > 1 and not _true(definition.get("repeats")):
            self.issues.append(make_issue("questionnaire.repeats", answers[1], link_id=link_id,
                                          detail=f"has {len(answers)} answers; the item does not repeat"))
        self.counts(item, definition, len(answers), "answers")
        if not answers and self.complete and _true(definition.get("required")):
            self.issues.append(make_issue("questionnaire.required", item, link_id=link_id))
        for answer in answers:
            self.answer(answer, definition, kind, answers)
            if children or answer.children_named("item"):
                self.level(answer, children, enabled=True)

    # -- answers --------------------------------------------------------------------------------------
    def answer(self, answer: Node, definition: dict[str, Any], kind: str, siblings: list[Node]) -> None:
        value = _answer_value(answer)
        if value is None:
            return
        link_id = str(definition.get("linkId"))
        type_name = value.name[5:]
        options = _items(definition, "answerOption")
        option_types = {key[5:] for o in options if isinstance(o, dict) for key in o if key.startswith("value")}
        allowed = ANSWER_TYPES.get(kind)
        if allowed is None:
            return  # an item type R4 does not define: the binding on Questionnaire.item.type reports it
        if kind in ("choice", "open-choice"):
            # a choice answer has the type of the answerOption values (R4 answerOption.value[x]: "must agree")
            allowed = tuple(sorted(option_types)) if option_types else FREE_CHOICE_TYPES
            if kind == "open-choice" and "String" not in allowed:
                allowed += ("String",)
        if type_name not in allowed:
            self.issues.append(make_issue("questionnaire.answer-type", value, link_id=link_id, actual=type_name,
                                          type=kind, expected=" or ".join(allowed)))
            return
        if options and not (kind == "open-choice" and type_name == "String"):
            chosen = [o for o in options if isinstance(o, dict) and _same_value(value, type_name, o.get("value" + type_name))]
            if not chosen:
                self.issues.append(make_issue("questionnaire.answer-not-allowed", value, link_id=link_id,
                                              value=_describe(value, type_name), source="its answerOption list"))
            elif len(siblings) > 1 and any(_true((_ext_value(e) or ("", None))[1])
                                           for o in chosen for e in _extensions(o, "questionnaire-optionExclusive")):
                self.issues.append(make_issue("questionnaire.answer-limit", answer, link_id=link_id,
                                              detail=f"{_describe(value, type_name)} is an exclusive option: "
                                                     "no other answer may be selected with it"))
        value_set = definition.get("answerValueSet")
        # a string item may name an answerValueSet too (R4 que-5): its answers are then codes of that set
        coded = "Coding" if type_name == "Coding" else "code" if kind == "string" and type_name == "String" else None
        if isinstance(value_set, str) and coded:
            member = self.contained_member(value_set[1:], value, coded) if value_set.startswith("#") \
                else self.checker._in_value_set(value_set, value, coded)
            if member is False:
                self.issues.append(make_issue("questionnaire.answer-not-allowed", value, link_id=link_id,
                                              value=_describe(value, type_name), source=f"value set {value_set}"))
            elif member is None and all(_coding_key(value) if coded == "Coding" else (value.value,)):
                # the set cannot be expanded offline (or is not loaded): undecided, said so, never a silent pass
                self.issues.append(make_issue("binding.not-expandable", value, valueset=value_set,
                                              code=_describe(value, type_name)))
        self.limits(value, type_name, definition, link_id)

    def contained_member(self, vs_id: str, value: Node, coded: str) -> bool | None:
        """Is the answer in the contained ValueSet `#vs_id` (the questionnaire's, or, for a questionnaire contained
        in the response, the response's: contained resources share their container's)? Decided only for a set
        made of concept lists (compose.include with system and concept, no filter, import or exclude); None
        otherwise, and for a Coding with no system, whose meaning is undefined."""
        candidates = _items(self.questionnaire, "contained") + [as_json(c) for c in self.qr.children_named("contained")]
        vs = next((c for c in candidates if isinstance(c, dict) and c.get("resourceType") == "ValueSet"
                   and c.get("id") == vs_id), None)
        compose = vs.get("compose") if vs is not None else None
        if not isinstance(compose, dict) or compose.get("exclude") or not _items(compose, "include"):
            return None
        listed: set[tuple[Any, Any]] = set()
        for include in _items(compose, "include"):
            if not isinstance(include, dict) or include.get("filter") or include.get("valueSet") \
                    or not include.get("system") or not include.get("concept"):
                return None
            listed.update((include["system"], c.get("code")) for c in _items(include, "concept") if isinstance(c, dict))
        if coded == "code":
            return any(code == value.value for _, code in listed)
        system, code = _coding_key(value)
        return None if system is None or code is None else (system, code) in listed

    def limits(self, value: Node, type_name: str, definition: dict[str, Any], link_id: str) -> None:
        kind = str(definition.get("type") or "")
        def report(detail: str) -> None:
            self.issues.append(make_issue("questionnaire.answer-limit", value, link_id=link_id, detail=detail))

        if type_name in ("Integer", "Decimal", "Date", "DateTime", "Time"):
            for name, sign, word in (("minValue", -1, "less than the minimum"), ("maxValue", 1, "greater than the maximum")):
                for ext in _extensions(definition, name):
                    found = _ext_value(ext)
                    if found is not None and _compare(value.value or "", found[1], type_name) == sign:
                        report(f"{value.value} is {word} {_text(found[1])}")
        elif type_name == "Quantity":
            self.quantity(value, definition, report)
        if type_name in ("Decimal", "Quantity"):
            amount = value if type_name == "Decimal" else value.child("value")
            places = decimal_places(amount.value if amount is not None else None)
            for ext in _extensions(definition, "maxDecimalPlaces"):
                found = _ext_value(ext)
                limit = _int(found[1]) if found is not None else None
                if places is not None and limit is not None and places > limit:
                    report(f"{amount.value} has {places} decimal places; at most {limit} are allowed")  # type: ignore[union-attr]
        if type_name == "String" and value.value is not None and kind == "string" and (
                "\n" in value.value or "\r" in value.value):
            # R4 item-type: a string item takes "a short (few words to short sentence) free-text entry", a text
            # item "a long (potentially multi-paragraph)" one; a line break suggests the wrong item type (warning)
            self.issues.append(make_issue("questionnaire.answer-multiline", value, link_id=link_id))
        if type_name == "String" and value.value is not None:
            max_length = definition.get("maxLength")
            if max_length is not None and len(value.value) > int(max_length):
                report(f"the answer is {len(value.value)} characters long; at most {max_length} are allowed")
            for ext in _extensions(definition, "minLength"):
                found = _ext_value(ext)
                if found is not None and len(value.value) < int(found[1]):
                    report(f"the answer is {len(value.value)} characters long; at least {found[1]} are needed")
            for ext in _extensions(definition, "regex"):
                found = _ext_value(ext)
                if found is not None and isinstance(found[1], str):
                    try:
                        pattern = re.compile(found[1])
                    except re.error:
                        continue
                    if pattern.fullmatch(value.value) is None:
                        report(f"'{value.value}' does not match the regex {found[1]}")
        if type_name == "Attachment":
            self.attachment(value, definition, report)

    def attachment(self, value: Node, definition: dict[str, Any], report: Callable[[str], None]) -> None:
        """R4 `mimeType` ("the kind(s) of attachment allowed") and `maxSize` ("the maximum size an attachment can
        be") on an attachment item. A media type is compared without its parameters and case-insensitively
        (Attachment.contentType "includes mime type parameters such as charset"; RFC 2045 §5.1: type and subtype
        are case-insensitive). The size is the attachment's bytes: its `size` and, when it carries `data`, the
        decoded data (Attachment.size: "the number of bytes of data ... before base64 encoding").
        Beyond R4, as the HL7 validator does: an attachment with no contentType, where the item limits the mime
        types, is reported, since it cannot be shown to be of an allowed kind (R4 att-1 already requires a
        contentType whenever there is data)."""
        types = [str((_ext_value(e) or ("", ""))[1]) for e in _extensions(definition, "mimeType")]
        content_type = value.child("contentType")
        if types:
            if content_type is None or not content_type.value:
                report(f"the attachment has no contentType, so it cannot be shown to be of an allowed mime type "
                       f"({', '.join(types)})")
            elif _media_type(content_type.value) not in {_media_type(t) for t in types}:
                report(f"the mime type {content_type.value} is not allowed (allowed: {', '.join(types)})")
        sizes: list[tuple[str, int]] = []
        size = value.child("size")
        stated = _int(size.value) if size is not None and size.value else None
        if stated is not None:
            sizes.append((f"{stated} bytes", stated))
        data = value.child("data")
        decoded = decoded_length(data.value) if data is not None and data.value else None
        if decoded is not None:
            sizes.append((f"{decoded} bytes of data", decoded))
        for ext in _extensions(definition, "maxSize"):
            found = _ext_value(ext)
            for what, amount in sizes:
                if found is not None and _compare(str(amount), found[1], "Decimal") == 1:
                    report(f"the attachment is {what}; at most {_text(found[1])} are allowed")
                    break

    def quantity(self, value: Node, definition: dict[str, Any], report: Callable[[str], None]) -> None:
        system, code = _coding_key(value)
        units = [_ext_value(e) for e in _extensions(definition, "questionnaire-unitOption")]
        options = [u[1] for u in units if u is not None and isinstance(u[1], dict)]
        # an option that states no system names its unit by code alone (as enableWhen's answerCoding does, and as
        # the HL7 validator matches unit options): a UCUM kg answer is the option {code: kg}
        if options and not any(_same_coding(value, o) for o in options):
            report(f"the unit {code or '(none)'} is not one of the unit options "
                   f"({', '.join(str(o.get('code')) for o in options)})")
        for ext in _extensions(definition, "questionnaire-unitValueSet"):
            found = _ext_value(ext)
            if found is not None and isinstance(found[1], str) and (
                    code is None or self.checker._in_value_set(found[1], value, "Coding") is False):
                report(f"the unit {code or '(none)'} is not in the unit value set {found[1]}")
        amount = value.child("value")
        for url, sign, word in QUANTITY_BOUNDS:
            for ext in _extensions(definition, url):
                found = _ext_value(ext)
                if found is None or not isinstance(found[1], dict) or amount is None:
                    continue
                bound = found[1]
                # UCUM codes on both sides are brought to UCUM's base units (500 g against 10 kg); other units
                # compare only when the same system and code name them; anything else cannot be compared
                both_ucum = system == UCUM and bound.get("system") == UCUM and bool(code) and bool(bound.get("code"))
                same_unit = bool(code) and code == bound.get("code") and system == bound.get("system")
                order = compare_quantity(value, bound) if both_ucum or same_unit else None
                if order is None:
                    report(f"the quantity {amount.value} {code or value.child('unit') and value.child('unit').value} "  # type: ignore[union-attr]
                           f"cannot be compared with the {word} {_text(bound.get('value'))} {bound.get('code') or bound.get('unit')}"
                           " (comparable units are needed: UCUM codes of one dimension, or the same system and code)")
                elif order == sign:
                    report(f"{amount.value} {code} is beyond the {word} {_text(bound.get('value'))} {bound.get('code')}")

    # -- enableWhen -----------------------------------------------------------------------------------
    def enabled(self, definition: dict[str, Any], where: Node) -> bool:
        conditions = [c for c in _items(definition, "enableWhen") if isinstance(c, dict)]
        if not conditions:
            return True
        results = [self.condition(c, where) for c in conditions]
        return all(results) if definition.get("enableBehavior") == "all" else any(results)

    def condition(self, condition: dict[str, Any], where: Node) -> bool:
        question = str(condition.get("question"))
        operator = condition.get("operator")
        expected = next(((k[6:], v) for k, v in condition.items() if k.startswith("answer")), None)
        values = [v for v in (_answer_value(a) for a in self.nearest_answers(where, question)) if v is not None]
        if operator == "exists":
            return bool(values) == _true(expected[1] if expected else None)
        if expected is None:
            return False
        if not values:
            return operator == "!="
        type_name, target = expected
        matches = [_compare_answer(v, type_name, target) for v in values]
        if operator == "=":
            return any(m == 0 for m in matches)
        if operator == "!=":
            return all(m != 0 for m in matches)
        signs = {">": (1,), "<": (-1,), ">=": (0, 1), "<=": (-1, 0)}.get(str(operator), ())
        return any(m in signs for m in matches if m is not None)

    def nearest_answers(self, where: Node, link_id: str) -> list[Node]:
        """The answers enableWhen reads for question `link_id`, from the response items under `where` (the QR, a
        group item or an answer holding the item being decided): "If multiple question occurrences are present for
        the same question (same linkId), then this refers to the nearest question occurrence reachable by tracing
        first the 'ancestor' axis and then the 'preceding' axis and then the 'following' axis" (R4
        Questionnaire.item.enableWhen.question). So the occurrences in the smallest enclosing part of the response
        that has any count, not those of another repetition of a repeating group. Each part's items are indexed
        once per response."""
        node: Node | None = where
        while node is not None:
            index = self._items_below.get(id(node))
            if index is None:
                index = self._items_below[id(node)] = {}
                for item in _response_items(node):
                    index.setdefault(_link_id(item), []).append(item)
            found = index.get(link_id)
            if found:
                return [a for n in found for a in n.children_named("answer")]
            node = node.parent
        return []


def _response_items(node: Node) -> Iterator[Node]:
    """`node` (when an item) and the response items below it, through items and answers only (never into a
    contained resource)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.name == "item":
            yield n
        stack.extend(c for c in n.children if c.name in ("item", "answer"))


def _compare_answer(value: Node, type_name: str, target: Any) -> int | None:
    if value.name[5:] != type_name:
        return None
    if type_name == "Coding":
        return 0 if _same_coding(value, target) else 1
    if type_name == "Quantity":
        amount = value.child("value")
        return _compare((amount.value or "") if amount is not None else "", (target or {}).get("value"), "Decimal")
    if type_name == "Boolean":
        return 0 if value.value == _text(target) else 1
    return _compare(value.value or "", target, type_name)


def _compare(text: str, bound: Any, type_name: str, common_precision: bool = False) -> int | None:
    """-1/0/1 comparing an answer with a bound; numbers numerically, dates and times as ISO text.

    A partial date or dateTime compares by its prefix, and a more precise value that starts with the bound lies
    after it (2022-06-30 is after the maximum 2022-06, and 2022-06-30T10:00:00Z after 2022-06-30): the bound names
    a period, and R4's maxValue[x] "the maximum allowed value" is read as its start, as the HL7 validator reads it
    (for minValue the same reading lets every value within the period pass). With `common_precision` the two
    compare equal instead (a moment inside a period is within it: the effectivePeriod check). DateTimes with a
    time and a time zone on both sides compare as instants (`10:00+02:00` is before `09:00Z`)."""
    if type_name in ("Integer", "Decimal"):
        try:
            a, b = Decimal(text), Decimal(_text(bound))
        except InvalidOperation:
            return None
        return (a > b) - (a < b)
    b_text = _text(bound)
    if type_name == "DateTime":
        instant, limit = parse_datetime(text), parse_datetime(b_text)
        if instant is not None and limit is not None and instant.tz is not None and limit.tz is not None \
                and instant.precision >= HOUR and limit.precision >= HOUR:
            decided = compare(instant, limit)
            if decided is not None:
                return decided
    if type_name in ("Date", "DateTime") and len(text) != len(b_text):
        short = min(len(text), len(b_text))
        head, bound_head = text[:short], b_text[:short]
        if head == bound_head:
            return 0 if common_precision else (len(text) > len(b_text)) - (len(text) < len(b_text))
        return (head > bound_head) - (head < bound_head)
    return (text > b_text) - (text < b_text)


def _translations(element: Any) -> list[Any]:
    """The `content` of each R4 `translation` extension on a primitive's element (its JSON `_name` object)."""
    found: list[Any] = []
    for ext in _items(element, "extension") if isinstance(element, dict) else ():
        if isinstance(ext, dict) and ext.get("url") == "http://hl7.org/fhir/StructureDefinition/translation":
            found.extend(sub.get("valueString") for sub in _items(ext, "extension")
                         if isinstance(sub, dict) and sub.get("url") == "content")
    return found


def _authored_in_period(qr: Node, questionnaire: dict[str, Any], issues: list[Issue]) -> None:
    """A response authored outside the questionnaire's effectivePeriod ("the period during which the questionnaire
    content was or is planned to be in active use", R4 Questionnaire.effectivePeriod) used it out of its period: a
    warning, as the HL7 validator gives. Dates compare by their common precision (2021-12-12 is before 2022)."""
    authored = qr.child("authored")
    period = questionnaire.get("effectivePeriod")
    if authored is None or not authored.value or not isinstance(period, dict):
        return
    for key, sign, word in (("start", -1, "before the start"), ("end", 1, "after the end")):
        bound = period.get(key)
        if isinstance(bound, str) and bound and _compare(authored.value, bound, "DateTime", common_precision=True) == sign:
            issues.append(make_issue("questionnaire.authored-outside-period", authored, authored=authored.value,
                                     where=word, bound=bound))


def _int(value: Any) -> int | None:
    try:
        return int(_text(value))
    except ValueError:
        return None


def _media_type(text: str) -> str:
    return text.split(";", 1)[0].strip().lower()


def _describe(value: Node, type_name: str) -> str:
    if type_name == "Coding":
        system, code = _coding_key(value)
        return f"{system or ''}#{code or ''}"
    return value.value or type_name


def _link_id(item: Node) -> str:
    link = item.child("linkId")
    return link.value if link is not None and link.value else "?"


def _has_answers(item: Node) -> bool:
    return any(node.name == "answer" for node in item.iter_tree() if node is not item)


def _walk_items(questionnaire: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(reversed(_items(questionnaire, "item")))
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(_items(item, "item")))


def enable_when_targets(questionnaire: Node, issues: list[Issue]) -> None:
    """Questionnaire's own rules on enableWhen.question: it names an item of the questionnaire (R4
    Questionnaire.item.enableWhen.question: "the linkId for the question whose answer ... governs whether this
    item is enabled"), and neither the item itself nor one nested in it: "when an item is disabled, all of its
    descendants are disabled" (R4 Questionnaire.item.enableWhen), so such a condition could never enable it."""
    data = as_json(questionnaire)
    known = {str(item.get("linkId")) for item in _walk_items(data)}
    for node in questionnaire.iter_tree():
        if node.name != "enableWhen" or node.parent is None:
            continue
        question = node.child("question")
        if question is None or not question.value:
            continue
        if question.value not in known:
            issues.append(make_issue("questionnaire.enablewhen-target", question, link_id=question.value))
            continue
        owner = node.parent
        own = owner.child("linkId")
        if own is not None and own.value == question.value:
            issues.append(make_issue("questionnaire.enablewhen-circular", question, link_id=question.value,
                                     what="the item itself"))
        elif any(_link_id(inner) == question.value for inner in owner.iter_tree()
                 if inner.name == "item" and inner is not owner):
            issues.append(make_issue("questionnaire.enablewhen-circular", question, link_id=question.value,
                                     what="an item nested in this one"))
