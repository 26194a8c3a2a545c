"""A rule's citation as a screen shows it: the regulation, the paper, the trial, never our own
research notes. The data files keep the whole note (where a quote was found, what was not
checked, what is from memory); `citation()` keeps the references and drops the rest, and
`citation(..., short=True)` keeps only the references themselves, for a line on an alert card.

The note is read as parts split by ";" (outside parentheses), sentences, and parenthetical
asides, each kept or dropped whole, so what is shown is always words of the note itself."""

from __future__ import annotations

import re

# What marks a piece of a note as ours, not a citation.
INTERNAL = re.compile(
    r"""(?ix)
    from\ memory | not\ (?:yet\ )?checked | unverified | reference\ notes | reference\ part
    | \breference/ | not\ bundled | no\ source | not\ found | was\ not\ (?:read|compared)
    | not\ confirmed | excerpt | quoted\ (?:at|by|in|from) | reproduced\ at | as\ given\ in
    | public\ scoring\ scripts | secondary\ sources
    | \b(?:psytools|camcops|clinical-toolkit|github|scribd|docksci|moreblossom|spiritwiki
         |bibbase|grecc)\b
    | https?:// | \bwww\.
    | \b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu|io|info)(?:\.[a-z]{2})?\b
    | \b[\w/-]+\.(?:rst|md|ts|json|py|html?)\b
    """
)
# "…, via the page it was found on": where we read it, not what it is.
VIA = re.compile(r",?\s+via\s[^;()]*?(?=\s*(?:[;()]|$))", re.IGNORECASE)
# What a reference looks like: a year, "et al.", an identifier, a rule's number.
REFERENCE = re.compile(
    r"\b(?:19|20)\d{2}\b|et al\.|doi:|\bPMC\d|\bNCT\d|\b(?:OAR|ORS|CCR|C\.R\.S\.)\s|§|\bOHA\b"
    r"|\bIAPT\b|\bBNF\b|\bWHO\b|\bRxNorm\b"
)
# A sentence ends at ". " after a lower-case word or a closing parenthesis, before a capital
# ("et al. 2008", "Med. 2001" and "C.R.S. 12-170" do not end one).
SENTENCE_END = re.compile(r"(?<=[a-z0-9)]{2})\.\s+(?=[A-Z])|(?<=[a-z0-9)]{2})\.\s*$")
# A parenthesis that is part of a rule's number: OAR 333-333-5050(1)(h).
CODE = re.compile(r"^[\w.]{1,4}$")


def _split(text: str, separator: str) -> list[str]:
    """TEXT split at SEPARATOR where it is outside parentheses and followed by a space (the
    ";" of "2007;21(4):572" is part of the reference)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == separator and depth == 0 and text[index + 1 : index + 2] in {"", " "}:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _groups(text: str) -> list[tuple[str, bool]]:
    """TEXT as runs outside parentheses (False) and parenthesised contents (True)."""
    runs: list[tuple[str, bool]] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            if depth == 0:
                runs.append((text[start:index], False))
                start = index + 1
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                runs.append((text[start:index], True))
                start = index + 1
    runs.append((text[start:], depth > 0))
    return runs


def _piece(text: str) -> str:
    """TEXT without its internal asides, or "" when what remains is itself internal."""
    out = []
    for run, inside in _groups(VIA.sub("", text)):
        if not inside:
            out.append(run)
            continue
        kept = [p for p in (_piece(p) for p in _split(run, ";")) if p]
        if kept:
            out.append("(" + "; ".join(kept) + ")")
        elif out:
            out[-1] = out[-1].rstrip()
    cleaned = _tidy("".join(out)).strip(" ,;:—-")
    return "" if not cleaned or INTERNAL.search(cleaned) else cleaned


def _sentences(part: str) -> list[str]:
    """PART split into sentences, at full stops outside parentheses."""
    found, start = [], 0
    for match in SENTENCE_END.finditer(part):
        before = part[: match.start()]
        if before.count("(") == before.count(")"):
            found.append(part[start : match.start()])
            start = match.end()
    found.append(part[start:])
    return [s for s in found if s.strip()]


def _references(part: str) -> list[str]:
    """The references in one cleaned part: its words outside asides if they are one, else
    the asides that are."""
    head = "".join(
        run if not inside else (f"({run})" if CODE.match(run) else "")
        for run, inside in _groups(part)
    ).strip(" ,;:")
    head = _tidy(head)
    if REFERENCE.search(head):
        return [head]
    return [
        piece.strip()
        for run, inside in _groups(part)
        if inside
        for piece in _split(run, ";")
        if REFERENCE.search(piece)
    ]


def citation(text: str, *, short: bool = False) -> str:
    """The citation in TEXT, a source note from a data file: its references and what they
    say, without where we found them or what we did not check. SHORT: the references alone
    (the first sentence of each part, without asides); the note's first words if it names
    none. "" when the note is ours alone."""
    parts = []
    for part in _split(str(text or ""), ";"):
        kept = [s for s in (_piece(s) for s in _sentences(part)) if s]
        if kept:
            parts.append(". ".join(kept))
    if not short:
        return "; ".join(parts)
    found = [ref for part in parts for ref in _references(_sentences(part)[0])]
    if found:
        return "; ".join(dict.fromkeys(found))
    return _references_head(parts[0]) if parts else ""


def _references_head(part: str) -> str:
    first = _sentences(part)[0]
    return _tidy("".join(run for run, inside in _groups(first) if not inside)).strip(" ,;:")


def _tidy(text: str) -> str:
    return re.sub(r"\s+([,.;])", r"\1", re.sub(r"\s+", " ", text)).strip()


def has_internal_note(text: str) -> bool:
    """Whether TEXT (a page, a note) carries any of our research notes."""
    return bool(INTERNAL.search(str(text or "")))
