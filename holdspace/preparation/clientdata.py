"""The state's client data form (Oregon's 303 form), coded from the profile's answer sets.

One body, from the web form and the API alike: `{version?, answers, other, withheld,
opt_out_offered}`. `client_data_clean` turns it into the stored shape (PartnerForm kind
`demographic_form`) or refuses it naming each field; `client_data_shown` reads a stored row
back as the labels of the version it was answered under. A row from before the form was coded
(free text, no "version") is shown as it was and never counted.

Opting out keeps the answers, marked `withheld`: ORS 475A.372(2)(a) says "collect and
maintain"; the opt-out only keeps them out of the state report (OAR 333-333-4910(2)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from holdspace.screening.profiles import (
    PREFER_NOT_CODE,
    ClientData,
    ClientDataQuestion,
    ClientDataVersion,
)

PREFER_NOT_LABEL = gettext_lazy("Prefer not to say")
# The longest "other" answer kept, in characters.
OTHER_MAX_LENGTH = 200

# The free-text form's fields before it was coded, to show old rows as they were.
LEGACY_LABELS: dict[str, Any] = {
    "age": gettext_lazy("Age"),
    "race": gettext_lazy("Race"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "languages": gettext_lazy("Preferred spoken and written languages"),
    "disability": gettext_lazy("Disability status"),
    "sexual_orientation": gettext_lazy("Sexual orientation"),
    "gender_identity": gettext_lazy("Gender identity"),
    "income": gettext_lazy("Household income"),
    "county": gettext_lazy("County of residence"),
    "veteran": gettext_lazy("Veteran status"),
    "reasons": gettext_lazy("Reasons for seeking services"),
}


def is_coded(data: Mapping[str, Any]) -> bool:
    """Whether a stored demographic form is in the coded shape (not an old free-text row)."""
    return isinstance(data.get("version"), str) and isinstance(data.get("answers"), dict)


def is_complete(data: Mapping[str, Any]) -> bool:
    """The coded shape with the written confirmation of the opt-out given (OAR
    333-333-5000(4)); a partner who opted out is complete too."""
    return is_coded(data) and data.get("opt_out_offered") is True


def asked(version: ClientDataVersion) -> list[ClientDataQuestion]:
    """The questions a partner answers: all but age, worked out from the date of birth."""
    return [q for q in version.questions if q.kind != "age"]


def unknown_code_message(question: ClientDataQuestion, code: object) -> str:
    # The question's own words end the sentence (they end in their own "." or "?").
    return _("“%(code)s” is not one of the answers to this question: %(question)s") % {
        "code": code,
        "question": question.label,
    }


def _answer_errors(question: ClientDataQuestion, value: object) -> tuple[Any, list[str]]:
    """QUESTION's answer in its stored form (None when unanswered), or the problems with it."""
    codes = [o.code for o in question.options]
    allowed = {*codes, PREFER_NOT_CODE}
    if question.kind == "single":
        if value is None or value == "":
            return None, []
        if not isinstance(value, str):
            return None, [_("Give one answer code as text.")]
        if value not in allowed:
            return None, [unknown_code_message(question, value)]
        return value, []
    if value is None:
        return None, []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, [_("Give a list of answer codes.")]
    unknown = [v for v in value if v not in allowed]
    if unknown:
        return None, [unknown_code_message(question, v) for v in dict.fromkeys(unknown)]
    chosen = set(value)
    if PREFER_NOT_CODE in chosen and len(chosen) > 1:
        return None, [_prefer_not_alone(question)]
    if not chosen:
        return None, []
    # In the form's order, each once, so the same answers are stored the same way.
    return [c for c in [*codes, PREFER_NOT_CODE] if c in chosen], []


def _prefer_not_alone(question: ClientDataQuestion) -> str:
    return _(
        "“%(question)s”: “Prefer not to say” goes alone. Untick it, or untick the other answers."
    ) % {"question": question.label}


def _other_errors(
    question: ClientDataQuestion | None, key: str, value: object, answer: Any
) -> tuple[str, list[str]]:
    if question is None or question.kind == "age":
        return "", [_("There is no question “%(code)s” on this form.") % {"code": key}]
    if not question.other:
        return "", [_("“%(question)s” has no “Other” answer.") % {"question": question.label}]
    if not isinstance(value, str):
        return "", [_("Write the other answer as text.")]
    text = value.strip()
    if len(text) > OTHER_MAX_LENGTH:
        return "", [
            _("Keep the other answer to %(n)d characters (it has %(len)d).")
            % {"n": OTHER_MAX_LENGTH, "len": len(text)}
        ]
    if (
        text
        and answer is not None
        and PREFER_NOT_CODE in (answer if isinstance(answer, list) else [answer])
    ):
        return "", [_prefer_not_alone(question)]
    return text, []


def client_data_clean(client_data: ClientData, body: Mapping[str, Any]) -> dict[str, Any]:
    """BODY (`version`, `answers`, `other`, `withheld`, `opt_out_offered`) as the stored shape,
    or a ValidationError naming each bad field: `version`, `answers.<question>`,
    `other.<question>`, `withheld`, `opt_out_offered`. Only the current version is answered."""
    errors: dict[str, list[str]] = {}
    name = body.get("version") or client_data.current
    version = client_data.version(str(name)) if isinstance(name, str) else None
    if name != client_data.current or version is None:
        errors["version"] = [
            _("This form is now version %(current)s: answer it again.")
            % {"current": client_data.current}
        ]
        raise ValidationError(errors)
    answers_in = body.get("answers") or {}
    other_in = body.get("other") or {}
    if not isinstance(answers_in, Mapping):
        errors["answers"] = [_("Give the answers as a map of question code to answer codes.")]
        answers_in = {}
    if not isinstance(other_in, Mapping):
        errors["other"] = [_("Give the other answers as a map of question code to text.")]
        other_in = {}
    answers: dict[str, Any] = {}
    for key, value in answers_in.items():
        question = version.question(str(key))
        if question is None:
            errors[f"answers.{key}"] = [
                _("There is no question “%(code)s” on this form.") % {"code": key}
            ]
            continue
        if question.kind == "age":
            errors[f"answers.{key}"] = [
                _("Age is not asked: it is worked out from the date of birth given at screening.")
            ]
            continue
        answer, problems = _answer_errors(question, value)
        if problems:
            errors[f"answers.{key}"] = problems
        elif answer is not None:
            answers[question.code] = answer
    other: dict[str, str] = {}
    for key, value in other_in.items():
        question = version.question(str(key))
        text, problems = _other_errors(question, str(key), value, answers.get(str(key)))
        if problems:
            errors[f"other.{key}"] = problems
        elif text:
            other[str(key)] = text
    withheld = body.get("withheld", False)
    if not isinstance(withheld, bool):
        errors["withheld"] = [_("Say true or false.")]
    if body.get("opt_out_offered") is not True:
        errors["opt_out_offered"] = [
            _("Tick to confirm you were offered the chance to have your data withheld.")
        ]
    if errors:
        raise ValidationError(errors)
    # The stored shape, in the questions' order.
    order = {q.code: i for i, q in enumerate(version.questions)}
    return {
        "version": version.version,
        "answers": dict(sorted(answers.items(), key=lambda kv: order[kv[0]])),
        "other": dict(sorted(other.items(), key=lambda kv: order[kv[0]])),
        "withheld": bool(withheld),
        "opt_out_offered": True,
    }


@dataclass(frozen=True)
class ShownAnswer:
    """One question as the partner answered it: its label and the labels of the answers."""

    code: str
    question: str
    answers: list[str]
    other: str = ""


@dataclass(frozen=True)
class ClientDataShown:
    """A stored demographic form, readable: coded (labels of its own version) or, for a row
    from before the form was coded, the free text as it was."""

    coded: bool
    version: str
    withheld: bool
    confirmed: bool
    answers: list[ShownAnswer]
    # An old row: (label, text) pairs as they were typed.
    legacy: list[tuple[str, str]]

    @property
    def complete(self) -> bool:
        return self.coded and self.confirmed


def client_data_shown(client_data: ClientData | None, data: Mapping[str, Any]) -> ClientDataShown:
    """DATA (a stored demographic form) with the labels of the version it was answered under;
    an old free-text row as it was; a code no version knows shown as the code."""
    if not is_coded(data) or client_data is None:
        legacy = [
            (str(LEGACY_LABELS.get(key, key)), str(value))
            for key, value in data.items()
            if key in LEGACY_LABELS and value not in ("", None)
        ]
        return ClientDataShown(
            coded=False,
            version="",
            withheld=bool(data.get("opt_out") or data.get("withheld")),
            confirmed=bool(data.get("opt_out_offered")),
            answers=[],
            legacy=legacy,
        )
    version = client_data.version(str(data["version"]))
    answers: dict[str, Any] = data.get("answers") or {}
    other: dict[str, str] = data.get("other") or {}
    questions = (
        [q for q in version.questions if q.code in answers or q.code in other] if version else []
    )
    shown = [
        ShownAnswer(
            code=q.code,
            question=q.label,
            answers=[_label(q, c) for c in _as_list(answers.get(q.code))],
            other=str(other.get(q.code, "")),
        )
        for q in questions
    ]
    known = {q.code for q in questions}
    # A question its version no longer lists (or a version gone from the profile): its codes.
    shown += [
        ShownAnswer(
            code=code,
            question=code,
            answers=_as_list(answers.get(code)),
            other=str(other.get(code, "")),
        )
        for code in dict.fromkeys([*answers, *other])
        if code not in known
    ]
    return ClientDataShown(
        coded=True,
        version=str(data["version"]),
        withheld=bool(data.get("withheld")),
        confirmed=data.get("opt_out_offered") is True,
        answers=shown,
        legacy=[],
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _label(question: ClientDataQuestion, code: str) -> str:
    if code == PREFER_NOT_CODE:
        return str(PREFER_NOT_LABEL)
    return next((o.label for o in question.options if o.code == code), code)
