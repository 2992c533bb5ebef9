"""The archive's tables: submissions, their documents and fingerprinted units, the index
entries and the database's own LSH buckets, projects' starter code, reports with their match links and summaries, tokens,
the pages' sessions and the report access log; plagiarism cases (and which one blocks each submission), their append-only decisions, the audit log and the outbox
of webhook events; the triage of strong matches and the projects' review thresholds.

Numpy arrays (token lines, k-gram hashes, the MinHash) are stored as raw little-endian bytes:
compact, and read back without parsing. Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class JobStatus:
    """A submission's states (docs/contract.md); strings so they read the same in SQL and JSON."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"
    FINISHED = (DONE, REJECTED, FAILED)


class Submission(Base):
    __tablename__ = "submissions"
    # Uploading the same ZIP again for the same student, project and attempt finds this row.
    __table_args__ = (
        UniqueConstraint("project_id", "student_id", "attempt", "sha256", name="uq_submissions_upload"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200), index=True)
    student_id: Mapped[str] = mapped_column(String(200), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    assessor_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    name: Mapped[str | None] = mapped_column(String(400), default=None)  # file name, for imports
    origin: Mapped[str] = mapped_column(String(16), default="upload")  # upload | archive
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), index=True, default=JobStatus.QUEUED)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    files: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    runs: Mapped[int] = mapped_column(Integer, default=0)  # times claimed since queued by its upload or a retry (jobs.MAX_RUNS)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the submission was erased (on request or by the retention policy): the row stays
    # so that other students' reports can say a match was erased, with no student id, name,
    # text or fingerprint left (originality/privacy/erasure.py).
    erased_at: Mapped[datetime | None] = mapped_column(default=None)

    def error(self) -> dict[str, str] | None:
        if self.error_code is None:
            return None
        return {"code": self.error_code, "message": self.error_message or ""}


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    # Indexed: an archive check looks up who else holds an identical binary asset.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    text_z: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # zlib UTF-8
    # JSON [[kind, start_line, end_line, language], ...]: with the text, what re-tokenizing
    # needs (``archive/retokenize.py``); None for rows written before it was kept.
    segments: Mapped[str | None] = mapped_column(Text, default=None)


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    k: Mapped[int] = mapped_column(Integer)
    lines: Mapped[bytes] = mapped_column(LargeBinary)  # int32
    hashes: Mapped[bytes] = mapped_column(LargeBinary)  # uint64, every k-gram
    bag: Mapped[bytes] = mapped_column(LargeBinary)  # uint64, short k-grams and literals
    pruned: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # uint64, Unit.pruned


class ArchiveEntry(Base):
    """A submission in the archive. The unique submission_id makes indexing happen once;
    ``seq`` orders the archive, so "prior submissions" are those with a smaller one."""

    __tablename__ = "archive_entries"
    # A project's background sample is read in the order of content keys (``archive/background.py``);
    # each check asks for the project's entries not yet counted (``stats.needs_counting``), on an
    # index of both columns, not by reading every entry of the project (migration 0029).
    __table_args__ = (Index("ix_archive_entries_content_key", "project_id", "content_key"),
                      Index("ix_archive_entries_uncounted", "project_id", "stats_group"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), unique=True)
    project_id: Mapped[str] = mapped_column(String(200), index=True)
    student_id: Mapped[str] = mapped_column(String(200))
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # uint32 hash values
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # ``units.tokens_digest`` of the options its units were made with; None: before it was kept.
    tokens: Mapped[str | None] = mapped_column(String(16), default=None)
    # The independent group this entry is counted in by the project's running statistics
    # (``archive/stats.py``): the submission id of the group's first entry; None: not counted
    # (an entry archived before the statistics were kept, until they are built).
    stats_group: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # A MinHash of its own long k-grams (starter code aside), uint32 values, for finding its
    # near-duplicates when it is counted (``archive/stats.py``).
    long_sketch: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # How many own long k-grams of code it has (``archive/postings.py`` posts all of them or a
    # sample); None until it is counted.
    own_long: Mapped[int | None] = mapped_column(Integer, default=None)
    # Its profile's content key (``profile.content_key``), set when it is counted: the project's
    # background is read off the entries with the smallest (``score.background_rows``).
    content_key: Mapped[bytes | None] = mapped_column(LargeBinary(16), default=None)


class LshBucket(Base):
    """One band of an archived submission's MinHash in the database's own LSH (``SqlIndex`` in
    ``store/index.py``): submissions of a project that share a bucket are candidates.

    ``bucket`` is a 64-bit hash of the band's number and its hash values, so one equality test
    finds a band; ``params`` digests the LSH parameters, so buckets written under other ones
    are never read (and ``sync`` writes them again)."""

    __tablename__ = "lsh_buckets"

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    params: Mapped[str] = mapped_column(String(12), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True,
                                               index=True)


class ProjectStarter(Base):
    """A project's starter code: a ZIP in the content store, left out of every archive check
    of the project, as ``check --base`` does. Setting it again replaces it for later checks;
    reports already written keep what they found."""

    __tablename__ = "project_starters"

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer)  # files read from the ZIP
    name: Mapped[str | None] = mapped_column(String(400), default=None)  # the uploaded file's
    set_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportRow(Base):
    __tablename__ = "reports"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)  # the report JSON
    # The independent groups it was scored among (its JSON's ``groups``): a young project's
    # reports are scored again as it grows (``archive/rescoring.py``). None in a report stored
    # before the count was kept, or whose upload is gone: never scored again.
    groups: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # When a check found it due and queued its scoring again (None once scored): the checks
    # after it do not queue it again unless that was long ago (its message lost).
    rescore_queued_at: Mapped[datetime | None] = mapped_column(default=None)


class MatchLink(Base):
    """One match of a stored report as a row: the report of ``submission_id`` lists the
    earlier ``other_id`` with these scores, as they are in its JSON (``a`` is
    ``submission_id``'s side). Read by ``other_id``, it tells a submission which later ones
    match it without opening every report of the project (``store/links.py``). Written in the
    transaction that writes the report, and rewritten with it."""

    __tablename__ = "match_links"
    # A submission's links from a similarity up, both ways: the cohort page reads only the
    # strongest of each (store/summaries.py); a report's later matches are read by other_id.
    # The second holds what an assessor's histogram reads of the links to their submissions
    # (the later side, whether an own attempt), so no link row is read for it.
    __table_args__ = (Index("ix_match_links_strength", "submission_id", "similarity"),
                      Index("ix_match_links_other_strength", "other_id", "similarity",
                            "submission_id", "own"))

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    similarity: Mapped[float] = mapped_column(Float)
    a_share: Mapped[float] = mapped_column(Float)
    b_share: Mapped[float] = mapped_column(Float)
    fragments: Mapped[int] = mapped_column(Integer)  # how many the match has
    own: Mapped[bool] = mapped_column(Boolean)  # listed in own_attempts, not matches
    # For a match with fragments: {"fragments", "template_lines" of both sides} as the report
    # holds them, JSON compressed by zlib (2.4 kB a link as text, 0.6 kB compressed, on the
    # generated scale cohort), so the earlier side's report reads its later matches from the
    # links alone; None for a match without, and for a row written before migration 0025.
    evidence_z: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # The student's own submission (of ``submission_id``'s student) that ``other_id``'s report
    # matches at the review threshold: the match is explained by the student's own earlier
    # work, which the other copied (``store/own_work.py``), and is no pair. None for the others.
    explained_by: Mapped[str | None] = mapped_column(String(32), default=None)


class SubmissionSummary(Base):
    """A checked submission at a glance, written with its report (``store/summaries.py``): its
    strongest pair with another student and how many such pairs it has, both ways (with the
    earlier work its report matches and the later submissions whose reports match it), how
    many pairs its report holds in each tenth of similarity, and its integrity flags. The
    cohort page sums and pages these rows instead of reading every match of the project.

    ``bins`` are the report's pairs with other students per tenth of similarity (as
    ``overview.bin_of`` counts them, by the percent shown; migration 0032 binned the rows
    stored before so), so a project's histogram is one ``SUM`` per column;
    ``pairs`` and ``top_similarity`` count the later reports' pairs too, so they are kept up to
    date by every later report (migration 0030 counted them so); ``top_similarity`` is 0 when
    the submission has no such pair. The index serves the list of
    the project's submissions, strongest first, page after page (keyset, never ``OFFSET``),
    read backwards (strongest first, then the greater id)."""

    __tablename__ = "submission_summaries"
    __table_args__ = (
        Index("ix_submission_summaries_rank", "project_id", "top_similarity", "submission_id"),
    )

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(200))
    top_similarity: Mapped[float] = mapped_column(Float)
    top_other_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    pairs: Mapped[int] = mapped_column(Integer)
    bin0: Mapped[int] = mapped_column(Integer, default=0)
    bin1: Mapped[int] = mapped_column(Integer, default=0)
    bin2: Mapped[int] = mapped_column(Integer, default=0)
    bin3: Mapped[int] = mapped_column(Integer, default=0)
    bin4: Mapped[int] = mapped_column(Integer, default=0)
    bin5: Mapped[int] = mapped_column(Integer, default=0)
    bin6: Mapped[int] = mapped_column(Integer, default=0)
    bin7: Mapped[int] = mapped_column(Integer, default=0)
    bin8: Mapped[int] = mapped_column(Integer, default=0)
    bin9: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[str] = mapped_column(Text, default="")  # the flags' kinds, sorted, comma-separated


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: the token never expires. A token past it, or revoked, gets 401 (token_expired,
    # token_revoked), and so do the page sessions signed in with it.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A page session signed in with a token. The cookie carries only a random key, whose
    digest is looked up here on every request: signing out ends the row, so a copied cookie
    stops working at once instead of living out its eight hours."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the key
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(default=None)  # signed out


class AccessLog(Base):
    """Who read (or tried to read) which report or student's data, and what they got."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), default=None)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    submission_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    # Set for reads about a student rather than one submission (a record, an export, a case);
    # submission_id is then empty.
    student_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    # Set for reads of a page naming a project's students (the cohort page).
    project_id: Mapped[str | None] = mapped_column(String(200), default=None)


class CaseRow(Base):
    """A suspected-plagiarism case on a submission. ``evidence`` is the report's matches,
    copied (JSON) when the case was opened: later reports never change it."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    student_id: Mapped[str] = mapped_column(String(200), index=True)
    project_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of matches
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_by_role: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ActiveCase(Base):
    """The case that blocks a submission (open or confirmed), one row per submission.

    The primary key is what keeps a submission to one such case: two staff opening a case on
    it at the same instant both pass the check in :meth:`CaseBook.open`, and the database lets
    only one of them insert here. Cases themselves are never updated nor deleted, so the guard
    lives beside them: its row is deleted when the case is dismissed (a new case may then be
    opened) and inserted again when a dismissal is reversed."""

    __tablename__ = "active_cases"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)


class DecisionRow(Base):
    """One staff decision on a case; never updated nor deleted. A reversal is a new row whose
    ``reverses`` names the decision it supersedes; ``id`` is the order of entry.

    The chain is guarded by the database: a case has one first decision (``reverses`` NULL,
    a partial unique index) and a decision is reversed at most once (``reverses`` unique;
    NULLs are distinct on SQLite and PostgreSQL), so two staff deciding the same case at the
    same instant cannot both append to it."""

    __tablename__ = "case_decisions"
    __table_args__ = (
        Index("uq_case_decisions_first", "case_id", unique=True,
              sqlite_where=text("reverses IS NULL"), postgresql_where=text("reverses IS NULL")),
        Index("uq_case_decisions_reverses", "reverses", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    sanction: Mapped[str | None] = mapped_column(String(32), default=None)
    banned_until: Mapped[datetime | None] = mapped_column(default=None)
    reverses: Mapped[int | None] = mapped_column(ForeignKey("case_decisions.id"), default=None)
    decided_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationRow(Base):
    """An evaluation of a deliverable (a submission), recorded by an assessor, staff or the
    platform; never updated nor deleted. A case opened later on the same student's project is
    a repeat offense (:mod:`originality.ladder`)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    student_id: Mapped[str] = mapped_column(String(200), index=True)
    project_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    evaluated_by: Mapped[str] = mapped_column(String(200))
    evaluated_by_role: Mapped[str] = mapped_column(String(16))
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """Every step of a case: who did what, when and why. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200), index=True)  # e.g. "case:<id>"
    why: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class EventRow(Base):
    """The outbox (``originality/outbox.py``): every webhook event, written in the transaction
    that caused it, then delivered by the relay. ``status`` is ``pending`` until a receiver
    answered 2xx (``delivered``) or every attempt failed (``dead``, listed for staff).

    ``next_attempt_at`` is when a pending event is due; a relay claiming it moves it past the
    delivery's timeout, so two relays never post it at once and a relay that died mid-post
    leaves it due again. ``attempts`` counts the claims, so an event that kills its relay still
    ends dead."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[str] = mapped_column(Text)  # JSON: the body posted, byte for byte
    # The submission and the case the event's data names (its own ``submission_id`` and
    # ``case_id``), so that erasing one finds its events by index rather than by reading every
    # event's JSON; None in a row a release before migration 0027 wrote (erasure reads those).
    submission_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    case_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # The outbox always names the status. A row without one was written by a release before
    # the relay (migration 0011, or an old process during a rolling upgrade), which posted it
    # itself: the relay must not post it again.
    status: Mapped[str] = mapped_column(String(16), server_default="delivered")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class TriageItem(Base):
    """One item of the to-review list: the student of ``submission_id`` is flagged because the
    pair with ``other_id`` reached the project's review threshold (``originality/triage.py``).

    ``kind`` says which side of the pair the flagged submission is: ``copied`` (the later one,
    whose report holds the match) or ``shared`` (the earlier one, whose work the later one
    matches). One row per submission and pair, whatever the number of checks (the unique key);
    an item is cleared once, by a case (``case_id``) or by a dismissal with its reason, and
    never comes back for the same pair."""

    __tablename__ = "triage_items"
    __table_args__ = (UniqueConstraint("submission_id", "other_id", name="uq_triage_items_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    other_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), default=None)
    dismissed_by: Mapped[str | None] = mapped_column(String(200), default=None)
    dismissed_by_role: Mapped[str | None] = mapped_column(String(16), default=None)
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)
    dismissal_reason: Mapped[str | None] = mapped_column(Text, default=None)


class QuotationSetting(Base):
    """A project's own choice about quotations that cite their source (``quotes.py``): left out
    of the share (the default) or counted like any text, when staff or the platform set one."""

    __tablename__ = "quotation_settings"

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    leave_out: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectSetting(Base):
    """A project's own review threshold, when staff set one; other projects use the service's
    default (``ORIGINALITY_REVIEW_THRESHOLD``)."""

    __tablename__ = "project_settings"

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    review_threshold: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlobRow(Base):
    """An upload's bytes, named by their SHA-256, when the database is the blob store
    (``archive/blobs.py``): every API and worker machine reads what any of them received."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectStatistics(Base):
    """A project's running statistics (``archive/stats.py``): how many independent groups its
    counted entries form. A project without this row has not had its statistics built."""

    __tablename__ = "project_statistics"

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    groups: Mapped[int] = mapped_column(Integer, default=0)
    # When the project, with no new upload since, is quiet and its reports scored among fewer
    # are scored again (``archive/rescoring.py``); None once done, until the next upload.
    settle_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


class FeatureCount(Base):
    """How many independent groups of a project hold a feature (``archive/stats.py``): a bag
    feature (space 0, the document frequency of the cosine and common short features), a long
    k-gram (space 1, common code), or, for the pruned streams, the difference of the pruned
    count from the long one (space 2, non-zero only where a group has pruned streams).
    ``feature`` is the 64-bit hash as a signed integer. Updated with ``n = n + delta``, so
    several workers never lose a count."""

    __tablename__ = "feature_counts"
    # The long k-grams that are (or nearly are) common code are read by their count.
    __table_args__ = (Index("ix_feature_counts_n", "project_id", "space", "n"),
                      {"sqlite_with_rowid": False})

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    space: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    feature: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)


class LongPosting(Base):
    """One of an entry's indexed long k-grams (``archive/postings.py``): a check's candidates are
    the entries sharing enough of the upload's. ``feature`` is the 64-bit hash as a signed
    integer; the entry is named by its ``seq``, an integer, not its 32-character id: a posting
    row is a third of the size, and an entry has hundreds of them (migration 0018)."""

    __tablename__ = "long_postings"
    __table_args__ = {"sqlite_with_rowid": False}

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    feature: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(ForeignKey("archive_entries.seq"), primary_key=True, index=True)


class UnsampledPosting(Base):
    """One of a sampled entry's winnowed long k-grams outside its sample (``archive/postings.py``),
    read only by an upload with few long k-grams, which the sample could miss (migration 0022)."""

    __tablename__ = "unsampled_postings"
    __table_args__ = {"sqlite_with_rowid": False}

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    feature: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(ForeignKey("archive_entries.seq"), primary_key=True, index=True)


class EntryProfile(Base):
    """An archived entry's profile (``originality/profile.py``): what a check scores it by
    without its units, written when the entry is counted (``archive/profiles.py``). Stored in
    the form of migration 0024 (its pruned k-grams as what they change of the plain ones)."""

    __tablename__ = "entry_profiles_v2"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PreviousEntryProfile(Base):
    """Profiles in the form before migration 0024, which emptied this table: a worker still on
    the previous release writes them during a rolling upgrade. This release never reads them
    (an entry without a profile of its own is scored from its units); it removes them with the
    entry's other fingerprints and exports them."""

    __tablename__ = "entry_profiles"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class NearDuplicateKey(Base):
    """One band of an entry's ``long_sketch``: entries of a project sharing a key are checked
    for being near-duplicates (``archive/stats.py``)."""

    __tablename__ = "near_duplicate_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    project_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True,
                                               index=True)
