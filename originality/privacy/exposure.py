"""Least exposure: who may see the other students' ids a report names.

A report names, for every match, the other student and their file name. Staff need them (a
case is about people); an assessor marking one student's work, or the platform that shows a
report, need only know that the work matches someone else's. ``shown_to`` (the setting
``ORIGINALITY_OTHER_STUDENTS_SHOWN_TO``) says which roles see them: ``staff`` (the default),
``assessor`` (staff and assessors) or ``all``. Others see a keyed pseudonym instead, the same
for one student in every report (so two matches with one person still read as one), which
nobody can turn back into the id without the secret. The ``known`` students (an assessor's own:
the reader already knows who they are) keep their ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

# Which roles see other students' ids, per value of the setting.
SHOWN_TO: dict[str, tuple[str, ...]] = {"staff": ("staff",), "assessor": ("staff", "assessor"),
                                        "all": ("staff", "assessor", "platform")}
PSEUDONYM_PREFIX = "pseudonym-"
# The lists of a report (and of its later matches) that name other students.
OTHERS = ("matches", "later_matches")


def pseudonym(secret: str, student_id: str) -> str:
    """A keyed, stable stand-in for ``student_id``: HMAC-SHA-256 under ``secret``, 16 hex."""
    digest = hmac.new(secret.encode("utf-8"), b"student:" + student_id.encode("utf-8"),
                      hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16]


def also_known_as(secret: str, student_id: str) -> list[str]:
    """The ids a student's data may be stored under: their own, and their pseudonym when the
    installation has a key (``pseudonymize.py`` renames past cohorts' work to it)."""
    return [student_id] + ([pseudonym(secret, student_id)] if secret else [])


def sees_others(role: str, shown_to: str) -> bool:
    return role in SHOWN_TO[shown_to]


def masked_match(match: Mapping[str, Any], secret: str,
                 known: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A match with the other student's id as a pseudonym and no file name (an uploaded file's
    name often holds the student's own); an erased one is left as it is (it names nobody), and
    so is one of a ``known`` student (hiding them from a reader who knows them protects nobody)."""
    if match.get("erased") or match.get("student_id") in known:
        return dict(match)
    return {**match, "student_id": pseudonym(secret, str(match.get("student_id", ""))), "name": None}


def masked_report(report: Mapping[str, Any], role: str, shown_to: str, secret: str,
                  known: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``report`` as ``role`` may read it: other students' ids pseudonymized unless the role
    sees them or they are ``known``. The student's own attempts name the student themself and
    are left alone."""
    if sees_others(role, shown_to):
        return dict(report)
    out = dict(report)
    for key in OTHERS:
        if key in out:
            out[key] = [masked_match(m, secret, known) for m in out[key] or ()]
    return out


__all__ = ["SHOWN_TO", "masked_match", "masked_report", "pseudonym", "sees_others"]
