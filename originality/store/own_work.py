"""Matches explained by the student's own earlier work: the rule that a new attempt matching
classmates who copied the student's earlier attempt is not a copy of them.

A student hands in attempt 1; two classmates copy it; she hands in attempt 2, her own work
unchanged. Attempt 2 is compared with every earlier submission of another student, and matches
both copies at 100%: as a plain match it frames her as the later submission of the pair, the
copier. But the copies' own reports name her attempt 1, at the review threshold: that pair is
the evidence (and is flagged already), and attempt 2 matches them because they copied her.

``copies_of_own_work`` is the one place the rule is decided. Triage does not flag such a match
(``flags.py``); the report's links keep which own attempt explains each one
(``MatchLink.explained_by``, written by ``links.write``), so the report pages list them apart,
like own attempts, and the cohort page counts them as no pair (``summaries.py``).

Under the threshold the match proves nothing: two students' independent work on one task
matches weakly, and a student who copied a classmate in a later attempt must not go unflagged
because that classmate's report once listed their first attempt. A student's own work is theirs
under their pseudonym too (past cohorts renamed by ``privacy/pseudonymize.py``).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from .db import rows_in


def copies_of_own_work(session: Session, others: Collection[str], student_ids: Collection[str],
                       threshold: float) -> dict[str, str]:
    """Those of ``others`` (other students' earlier submissions) whose own reports match a
    submission of the student (under any of ``student_ids``) at ``threshold``, each with the
    student's submission it matches most (ties to the smaller id). Read from the links to the
    student's submissions (a student has a few), not from every link of ``others``."""
    own = [sid for (sid,) in rows_in(session, "SELECT id FROM submissions WHERE student_id {in_}", (),
                                     sorted(student_ids))]
    wanted = set(others)
    if not wanted or not own:
        return {}
    best: dict[str, tuple[float, str]] = {}
    for copy, original, similarity in rows_in(
            session, "SELECT submission_id, other_id, similarity FROM match_links WHERE own = {p} "
                     "AND similarity >= {p} AND other_id {in_}", (False, threshold), own):
        if copy in wanted and (copy not in best or (-similarity, original) < (-best[copy][0], best[copy][1])):
            best[copy] = (float(similarity), original)
    return {copy: original for copy, (_, original) in best.items()}


__all__ = ["copies_of_own_work"]
