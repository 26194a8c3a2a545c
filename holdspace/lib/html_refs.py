"""Which ARIA references on a page name nothing: an `aria-describedby` pointing at a missing
help text is silent (a screen reader reads the field without its rules), so pages are checked
for it rather than trusted. Also the in-page links of an error summary, which must land on a
field."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

REFERRING = ("aria-describedby", "aria-labelledby", "aria-controls", "for")


@dataclass(frozen=True)
class Dangling:
    tag: str
    attribute: str
    missing: str


@dataclass
class _Collected:
    ids: list[str] = field(default_factory=list)
    references: list[tuple[str, str, str]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.collected = _Collected()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.collected.ids.append(values["id"])
        for name in REFERRING:
            for ref in values.get(name, "").split():
                self.collected.references.append((tag, name, ref))
        href = values.get("href", "")
        if tag == "a" and href.startswith("#") and len(href) > 1:
            self.collected.references.append((tag, "href", href[1:]))


def dangling_references(html: str) -> list[Dangling]:
    """Each reference by id (aria-describedby, aria-labelledby, aria-controls, a label's `for`,
    an in-page link) that names no element of the page."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    ids = set(parser.collected.ids)
    return [
        Dangling(tag, attribute, ref)
        for tag, attribute, ref in parser.collected.references
        if ref not in ids
    ]


def duplicate_ids(html: str) -> list[str]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    counted = Counter(parser.collected.ids)
    return sorted(i for i, n in counted.items() if n > 1)
