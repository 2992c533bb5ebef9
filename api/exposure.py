"""Least exposure in the API and pages: other students' ids as the caller's role may see them
(``originality/privacy/exposure.py``; the setting ``ORIGINALITY_OTHER_STUDENTS_SHOWN_TO``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, g

from originality.privacy.exposure import masked_match, masked_report, pseudonym, sees_others


def _policy() -> tuple[bool, str]:
    """(whether the caller sees other students' ids, the pseudonyms' key)."""
    settings = current_app.extensions["originality.settings"]
    secret = settings.pseudonym_secret or str(current_app.secret_key)
    return sees_others(g.principal.role, settings.other_students_shown_to), secret


def report(found: Mapping[str, Any]) -> dict[str, Any]:
    """A report (with its later matches) as the caller may read it."""
    settings = current_app.extensions["originality.settings"]
    _, secret = _policy()
    return masked_report(found, g.principal.role, settings.other_students_shown_to, secret)


def match(found: Mapping[str, Any]) -> dict[str, Any]:
    """One match (or a later link's summary) as the caller may read it."""
    sees, secret = _policy()
    return dict(found) if sees else masked_match(found, secret)


def student(student_id: str) -> str:
    """Another student's id as the caller may read it."""
    return students()(student_id)


def students(known: frozenset[str] = frozenset()) -> Callable[[str], str]:
    """Other students' ids as the caller may read them, for a page that names many (each
    pseudonym made once); the ``known`` ids (an assessor's own students) are shown as they are."""
    sees, secret = _policy()
    shown: dict[str, str] = {}

    def name(student_id: str) -> str:
        if sees or student_id in known or student_id.startswith("erased"):
            return student_id
        if student_id not in shown:
            shown[student_id] = pseudonym(secret, student_id)
        return shown[student_id]

    return name


def item(found: Mapping[str, Any]) -> dict[str, Any]:
    """A triage item (``originality/triage.py``) as the caller may read it."""
    return {**found, "other_student_id": student(str(found["other_student_id"]))}
