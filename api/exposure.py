"""Least exposure in the API and pages: other students' ids as the caller's role may see them
(``originality/privacy/exposure.py``; the setting ``ORIGINALITY_OTHER_STUDENTS_SHOWN_TO``).
An assessor's own students are shown by their ids wherever they appear (docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from originality.privacy.exposure import masked_match, masked_report, pseudonym, sees_others
from originality.store.models import Submission


def _own_students() -> frozenset[str]:
    """The students the calling assessor knows: those with at least one submission assigned to
    them, in any project (they mark that student's work, so the id tells them nothing new).
    Read once a request, however many answers name students; none for the other roles."""
    who = g.principal
    if who.role != "assessor":
        return frozenset()
    if "own_students" not in g:
        with current_app.extensions["originality"].db.sessions() as session:
            g.own_students = frozenset(session.scalars(
                select(Submission.student_id).where(Submission.assessor_id == who.name).distinct()))
    return g.own_students  # type: ignore[no-any-return]


def _policy() -> tuple[bool, str, frozenset[str]]:
    """(whether the caller sees other students' ids, the pseudonyms' key, the students whose
    ids the caller sees anyway: an assessor's own, read only when the others are hidden)."""
    settings = current_app.extensions["originality.settings"]
    secret = settings.pseudonym_secret or str(current_app.secret_key)
    sees = sees_others(g.principal.role, settings.other_students_shown_to)
    return sees, secret, frozenset() if sees else _own_students()


def report(found: Mapping[str, Any]) -> dict[str, Any]:
    """A report (with its later matches) as the caller may read it."""
    settings = current_app.extensions["originality.settings"]
    _, secret, known = _policy()
    return masked_report(found, g.principal.role, settings.other_students_shown_to, secret, known)


def match(found: Mapping[str, Any]) -> dict[str, Any]:
    """One match (or a later link's summary) as the caller may read it."""
    sees, secret, known = _policy()
    return dict(found) if sees else masked_match(found, secret, known)


def case(found: Mapping[str, Any]) -> dict[str, Any]:
    """A case with its frozen evidence as the caller may read it: the evidence is the report's
    matches, masked as the report is (the case's own student is the caller's own, or the
    caller is staff)."""
    return {**found, "evidence": [match(m) for m in found["evidence"]]}


def student(student_id: str) -> str:
    """Another student's id as the caller may read it."""
    return students()(student_id)


def students() -> Callable[[str], str]:
    """Other students' ids as the caller may read them, for a page that names many (each
    pseudonym made once)."""
    sees, secret, known = _policy()
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
