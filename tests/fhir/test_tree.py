"""The element tree's navigation by name (the same answers with and without the name index), its release, and
`json_node` (the same node as the class makes)."""

from __future__ import annotations

import gc
import weakref

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import INDEX_THRESHOLD, Node, json_node


def _bundle(entries: int) -> Node:
    root = Node("Bundle", resource_type="Bundle")
    root.add(Node("type", "collection"))
    for i in range(entries):
        root.add(Node("entry", index=i, repeating=True))
    root.add(Node("signature"))
    return root


def test_by_name_groups_children_in_document_order() -> None:
    root = _bundle(INDEX_THRESHOLD + 5)
    index = root.by_name()
    assert list(index) == ["type", "entry", "signature"]
    assert [n.index for n in index["entry"]] == list(range(INDEX_THRESHOLD + 5))
    assert root.by_name() is index  # built once


def test_lookups_on_a_large_node_agree_with_a_scan() -> None:
    root = _bundle(INDEX_THRESHOLD * 3)
    assert root.child("type") is root.children[0]
    assert root.child("signature") is root.children[-1]
    assert root.child("missing") is None
    assert root.children_named("entry") == [c for c in root.children if c.name == "entry"]
    assert root.children_named("missing") == []


def test_the_index_follows_children_added_after_it_was_built() -> None:
    root = _bundle(INDEX_THRESHOLD + 1)
    assert root.child("link") is None
    link = root.add(Node("link"))
    assert root.child("link") is link
    assert len(root.children_named("entry")) == INDEX_THRESHOLD + 1


def test_small_nodes_answer_the_same_without_an_index() -> None:
    root = _bundle(2)
    assert root.child("signature") is root.children[-1]
    assert [n.index for n in root.children_named("entry")] == [0, 1]


def test_a_released_tree_is_freed_without_the_cyclic_collector() -> None:
    parsed = read_json(b'{"resourceType": "Patient", "name": [{"given": ["Ann"], "family": "Lee"}],'
                       b' "contact": [{"name": {"given": ["Bo"]}}]}')
    root = parsed.root
    assert root is not None
    given = root.child("contact").child("name").child("given")  # type: ignore[union-attr]
    assert given is not None and given.location == "Patient.contact[0].name.given[0]"
    leaf = weakref.ref(given)
    top = weakref.ref(root)
    del given
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root.release()
        assert all(n.parent is None for n in root.iter_tree())
        assert [n.name for n in root.children] == ["name", "contact"]  # the tree downwards is untouched
        del root, parsed
        assert top() is None and leaf() is None  # freed by reference counting alone
    finally:
        if was_enabled:
            gc.enable()


def test_an_unreleased_tree_needs_the_collector() -> None:
    """The control for the test above: parent links are cycles, so without `release` nothing is freed."""
    parsed = read_json(b'{"resourceType": "Patient", "name": [{"given": ["Ann"]}]}')
    top = weakref.ref(parsed.root)  # type: ignore[arg-type]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del parsed
        assert top() is not None
        gc.collect()
        assert top() is None
    finally:
        if was_enabled:
            gc.enable()


def test_a_result_that_is_done_frees_its_tree_while_the_result_is_still_held() -> None:
    """The readers' generators hold a result until they read the next one: `done()` frees the tree before that."""
    parsed = read_json(b'{"resourceType": "Patient", "name": [{"given": ["Ann"]}]}')
    holder = [parsed]  # (as a reader's generator does)
    top = weakref.ref(parsed.root)  # type: ignore[arg-type]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parsed.done()
        assert parsed.root is None and top() is None
        parsed.done()  # twice is harmless
    finally:
        if was_enabled:
            gc.enable()
    assert holder[0] is parsed


_UNSET = object()


def _slots(node: Node) -> dict[str, object]:
    return {name: getattr(node, name, _UNSET) for name in Node.__slots__ if name != "__weakref__"}


def test_json_node_makes_the_node_the_class_makes() -> None:
    parent = Node("Patient", resource_type="Patient")
    pairs = [
        (json_node("gender", "male", "string", parent, 0, False), Node("gender", "male", "string", parent, 0, False, False)),
        (json_node("name", None, None, parent, 2, True), Node("name", None, None, parent, 2, True, True)),
        (json_node("active", "true", "boolean", parent, 0, False), Node("active", "true", "boolean", parent, 0, False, False)),
        (json_node("value", "1.50", "number", parent, 1, True), Node("value", "1.50", "number", parent, 1, True, True)),
    ]
    for made, called in pairs:
        assert type(made) is Node
        assert _slots(made) == _slots(called)
        assert made.location == called.location and weakref.ref(made)() is made
    assert pairs[0][0].children is not pairs[1][0].children  # each node its own list


def test_every_slot_the_class_sets_json_node_sets() -> None:
    # a slot added to `Node.__init__` must be added to `json_node`: this fails until it is
    assert [k for k, v in _slots(Node("x", parent=None)).items() if v is not _UNSET] == [
        k for k, v in _slots(json_node("x", None, None, Node("p"), 0, False)).items() if v is not _UNSET]
