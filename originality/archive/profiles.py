"""Archived entries' profiles (``originality/profile.py``) in ``entry_profiles_v2``: written when
an entry is counted in its project's statistics (``stats.count_entry``), removed when it is
uncounted, and read by a check for its candidates instead of their units. A worker still on the
release before migration 0024 writes its profiles, in their older form, to ``entry_profiles``:
they are never read here, and removed with the entry's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..profile import Profile
from ..store.db import execute_rows, rows_in

TABLE, PREVIOUS_TABLE = "entry_profiles_v2", "entry_profiles"
# Written again over a row left by a count that was undone by the release before profiles
# (which removed no profile), as counting again would.
WRITE = (f"INSERT INTO {TABLE} (submission_id, data) VALUES ({{0}}, {{0}}) "
         "ON CONFLICT (submission_id) DO UPDATE SET data = excluded.data")
DELETE = "DELETE FROM {table} WHERE submission_id = {{0}}"
CLEAR = ("DELETE FROM {table} WHERE submission_id IN "
         "(SELECT submission_id FROM archive_entries WHERE project_id = {{0}})")
READ = f"SELECT submission_id, data FROM {TABLE} WHERE submission_id {{in_}}"


def write(session: Session, submission_id: str, profile: Profile) -> None:
    execute_rows(session, WRITE, (submission_id, profile.to_bytes()))


def remove(session: Session, submission_id: str) -> None:
    for table in (TABLE, PREVIOUS_TABLE):
        execute_rows(session, DELETE.format(table=table), (submission_id,))


def clear(session: Session, project_id: str) -> None:
    """Remove the profiles of a project's entries (counted again from scratch)."""
    for table in (TABLE, PREVIOUS_TABLE):
        execute_rows(session, CLEAR.format(table=table), (project_id,))


def read(session: Session, ids: list[str]) -> dict[str, Profile]:
    """The profiles of counted entries, by submission id. An entry counted by a worker of a
    release before this table (a rolling upgrade: a worker accepts a newer schema) has none: its
    profile is made from its units, as counting makes it."""
    found = {sid: Profile.from_bytes(bytes(data)) for sid, data in rows_in(session, READ, (), ids)}
    missing = [sid for sid in ids if sid not in found]
    if missing:
        from .entries import units_of  # entries imports stats, which imports this module

        found.update((sid, Profile.of(units)) for sid, units in units_of(session, missing).items())
    return found
