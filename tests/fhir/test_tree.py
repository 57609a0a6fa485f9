"""The element tree's navigation by name: the same answers with and without the name index."""

from __future__ import annotations

from conformance.fhir.tree import INDEX_THRESHOLD, Node


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
