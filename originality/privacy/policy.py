"""The retention policy: how many days each kind of students' data is kept (0: for ever).

A plain frozen value the settings build (``ORIGINALITY_RETAIN_*``, docs/privacy.md); the
retention run and erasure take it, never the settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

# The kinds of data, in the order the policy and the audit log list them.
KINDS = ("uploads", "texts", "fingerprints", "submissions", "cases", "access_log", "audit_log")


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of data is kept, counted from the submission's upload (uploads, texts,
    fingerprints, submissions), a case's last decision (cases) or the entry's time (logs)."""

    # The uploaded ZIPs: the extracted texts are what pages show, so a year covers a recheck.
    uploads: int = 365
    # Extracted texts (every side by side), five years: a cohort's studies and an appeal.
    texts: int = 5 * 365
    # K-gram hashes and index entries, for comparison with later cohorts doing the same project.
    fingerprints: int = 5 * 365
    # The rest of a submission: its student id, report, links, triage items, evaluations.
    submissions: int = 5 * 365
    # Cases, decisions and their events after the last decision (never while a ban runs).
    cases: int = 5 * 365
    access_log: int = 365
    audit_log: int = 5 * 365

    def problems(self) -> list[str]:
        return [f"retain_{f.name}_days must be 0 (for ever) or a positive number of days"
                for f in fields(self) if not isinstance(getattr(self, f.name), int)
                or getattr(self, f.name) < 0]

    def cutoff(self, kind: str, now: datetime) -> datetime | None:
        """Data of ``kind`` from before this instant is past its period; None: kept for ever."""
        days = getattr(self, kind)
        return None if days == 0 else now - timedelta(days=days)
