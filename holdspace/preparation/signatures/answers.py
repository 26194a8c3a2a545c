"""The answers signed with a document (touch consent: which kinds of touch), as the lines a
person reads on the signed copy and the page."""

from __future__ import annotations

from typing import Any

from holdspace.preparation.forms import FORMS, AcknowledgementForm


def answer_lines(document: str, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) for each answer, in the form's own words."""
    form_class = FORMS.get(document)
    if form_class is None or form_class is AcknowledgementForm or not answers:
        return []
    lines: list[tuple[str, str]] = []
    for name, field in form_class.base_fields.items():
        if name not in answers:
            continue
        value = answers[name]
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            shown = ", ".join(str(choices.get(v, v)) for v in value) or "—"
        else:
            shown = str(choices.get(value, value)) or "—"
        lines.append((str(field.label), shown))
    return lines
