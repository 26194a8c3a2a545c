from __future__ import annotations

from holdspace.lib.html_refs import Dangling, dangling_references, duplicate_ids


def test_it_finds_a_description_that_names_nothing() -> None:
    html = (
        '<input id="a" aria-describedby="a_helptext a_error">'
        '<p id="a_help">Rules</p><p id="a_error">x</p>'
    )
    assert dangling_references(html) == [Dangling("input", "aria-describedby", "a_helptext")]


def test_it_checks_labels_links_and_labelledby() -> None:
    html = (
        '<section aria-labelledby="h"><h2 id="h">W</h2></section><label for="gone">G</label>'
        '<a href="#nowhere">n</a><a href="#">top</a><a href="/x#y">away</a>'
    )
    assert dangling_references(html) == [
        Dangling("label", "for", "gone"),
        Dangling("a", "href", "nowhere"),
    ]


def test_it_finds_an_id_given_twice() -> None:
    assert duplicate_ids('<p id="x"></p><p id="y"></p><p id="x"></p>') == ["x"]
