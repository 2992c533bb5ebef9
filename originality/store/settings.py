"""Service settings, read once from ``ORIGINALITY_*`` environment variables.

The engine's functions never see this object: the CLI, ``api/`` and ``worker/`` read it and
hand plain values (a URL, a directory, a number of seconds) to the archive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from ..calibration import EVEN_ODDS
from ..errors import UsageError
from ..options import NORMALIZATIONS, TOKENIZER, TOKENIZERS
from ..privacy.exposure import SHOWN_TO
from ..privacy.policy import RetentionPolicy
from ..syntax import NORMALIZATIONS as KNOWN_NORMALIZATIONS

DEFAULT_DATA_DIR = "./var"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# A judgment, not measured: a typical deliverable is under 1 MiB, and a 50 MiB upload costs
# about 1.7 s each way in PostgreSQL (docs/benchmarks.md, "Uploads in the database").
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# A running check renews its lease every third of it; a check whose lease ran out belonged to a
# worker that died, and is queued again.
# Both judgments, not measured: a dead worker's check is queued again within about a lease and
# a recovery interval (docs/deploy.md).
LEASE_SECONDS = 60.0
RECOVERY_INTERVAL = 15.0
# Per check, in seconds. One upload against an archive of thousands takes seconds
# (docs/benchmarks.md, "Service"); ten minutes is a check gone wrong (a pathological file, a
# hung parser). At the soft limit the check is stopped and recorded `failed` (`time_limit`);
# the hard limit kills the worker process that did not stop, two minutes later.
CHECK_SOFT_TIME_LIMIT = 600.0
CHECK_TIME_LIMIT = 720.0
# MinHash LSH over a submission's short k-grams and literal texts (starter code left out), in
# 128 bands of one row: a prior entry is a candidate when one of the 128 minima is the same.
# Measured on the real labelled sets (docs/benchmarks.md, "Candidate index"): of the pairs that
# `check` scores 0.3 or more, this finds 99.89-100%; 64 bands of 2 rows (datasketch's choice for
# a Jaccard threshold of 0.1) found 91.4% on java-pairs, 87.5% on obfuscation z5z1 and 88.2% on
# the prose. The cost: on code of one task nearly every prior entry is a candidate (the score's
# containment reaches 0.3 at bag Jaccards near 0.05), so the index prunes prose and unrelated
# work, not same-task code.
LSH_BANDS = 128
LSH_NUM_PERM = 128
# The MinHash permutations' seed: any fixed number serves, the same in every process; it is one
# of the index's parameters (``index.params_digest``), so another means reindexing.
LSH_SEED = 20240517
# A webhook event is posted until its receiver answers 2xx, waiting 30 s after the first
# failure and twice as long after each next one, up to an hour (originality/outbox.py); after
# 12 failed attempts (about five hours of a receiver down) it is dead, listed for staff.
WEBHOOK_ATTEMPTS = 12
WEBHOOK_BACKOFF = 30.0
LOG_FORMATS = ("text", "json")
# A checked submission whose match reaches this similarity enters its assessor's to-review list
# (originality/triage.py): the calibrated similarity's even odds, 0.5, "as likely a copy as
# not" on the labelled sets it was fitted on (calibration.py; docs/benchmarks.md,
# "Calibration"). A project may have its own (PUT /api/v1/projects/{id}/review-threshold).
REVIEW_THRESHOLD = EVEN_ODDS
# Where uploads are kept (originality/archive/blobs.py): "auto" is the database on PostgreSQL,
# which every machine reaches, and the data dir's uploads/ on SQLite (one machine).
BLOB_STORES = ("auto", "local", "database")

# A project without a new upload for this long (seconds) is quiet, most likely past its deadline:
# its reports of the last 30 days are scored again where it now holds at least 10% more
# independent submissions than they were scored among (originality/archive/rescoring.py; docs/benchmarks.md, "A young project's reports scored
# again"). An hour: longer than the gaps between the uploads of a burst.
SETTLE_AFTER = 3600.0
# The worker applies the retention policy this often (seconds); 0 leaves it to a scheduler of
# the school's own running `originality retention apply`.
# Daily, as the periods are counted in days (docs/privacy.md): a judgment, not measured.
RETENTION_INTERVAL = 24 * 3600.0

_POLICY = RetentionPolicy()

ENV_PREFIX = "ORIGINALITY_"


@dataclass(frozen=True)
class Settings:
    """Everything the service needs besides the engine's own options."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""  # empty: SQLite in data_dir
    redis_url: str = DEFAULT_REDIS_URL
    # "auto": the Redis LSH when ORIGINALITY_REDIS_URL is set and answers, else "sql" (the
    # LSH's buckets in the database itself); "memory" rebuilds it in each process.
    index: str = "auto"
    redis_url_given: bool = False
    webhook_url: str = ""
    webhook_secret: str = ""
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    lease_seconds: float = LEASE_SECONDS
    recovery_interval: float = RECOVERY_INTERVAL
    check_soft_time_limit: float = CHECK_SOFT_TIME_LIMIT
    check_time_limit: float = CHECK_TIME_LIMIT
    lsh_bands: int = LSH_BANDS
    lsh_num_perm: int = LSH_NUM_PERM
    webhook_attempts: int = WEBHOOK_ATTEMPTS
    webhook_backoff: float = WEBHOOK_BACKOFF
    # How the API, the worker and the relay write their logs (originality/logs.py): "text"
    # for a person at a terminal, "json" (one object a line) for a log collector.
    log_format: str = "text"
    review_threshold: float = REVIEW_THRESHOLD
    settle_after: float = SETTLE_AFTER
    # How the archive turns code into tokens (options.TOKENIZERS). Entries keep the units they
    # were entered with; those another tokenizer made are made again by `originality archive
    # retokenize` (archive/retokenize.py).
    tokenizer: str = TOKENIZER
    # The parser path's named normalizations, comma-separated ('' for none): the defaults, or
    # others for a school that fears a disguise they undo (README.md, "How code is tokenized").
    # Entries made with others are made again by `originality archive retokenize`.
    normalizations: str = ",".join(NORMALIZATIONS)
    # Where uploads are kept: "auto", "local" (data_dir/uploads) or "database" (BLOB_STORES).
    blob_store: str = "auto"
    # Signs the pages' session cookie; the same on every API machine. Empty is refused when the
    # API starts, except in development (`serve --dev`, the tests): there a random key is made
    # once and kept in data_dir (api/pages/session.py, session_secret).
    secret_key: str = ""
    # 1: the session cookie is sent over HTTPS only. Browsers treat http://127.0.0.1 and
    # http://localhost as secure, so the default works on loopback too.
    secure_cookies: int = 1
    # When a process brings the schema up to date as it opens the database: "auto" on SQLite
    # only (one machine, and make serve or a test must just work), "always", or "never". A
    # server database is upgraded once per release by `originality db upgrade` (docs/deploy.md),
    # and a process that finds it behind refuses to start rather than race other machines.
    migrate: str = "auto"
    # Tests only: a running check sleeps this many seconds after claiming its submission, so
    # that a test can kill the worker mid-check. Never set it in production.
    test_task_delay: float = 0.0
    # Tests only: as test_task_delay, but the sleep ignores the soft time limit, as a check
    # stuck in native code would, so that a test sees the hard limit kill it.
    test_task_hang: float = 0.0
    # Days each kind of students' data is kept, 0 for ever (privacy/policy.py, docs/privacy.md).
    retain_uploads_days: int = _POLICY.uploads
    retain_texts_days: int = _POLICY.texts
    retain_fingerprints_days: int = _POLICY.fingerprints
    retain_submissions_days: int = _POLICY.submissions
    retain_cases_days: int = _POLICY.cases
    retain_access_log_days: int = _POLICY.access_log
    retain_audit_log_days: int = _POLICY.audit_log
    retention_interval: float = RETENTION_INTERVAL
    # Which roles see the other students' ids a report names (privacy/exposure.py): "staff",
    # "assessor" (staff and assessors) or "all"; the others see a keyed pseudonym.
    other_students_shown_to: str = "staff"
    # The key of those pseudonyms (HMAC-SHA-256). Empty: the installation's own secret (the
    # pages' cookie key), so pseudonyms are stable within one installation.
    pseudonym_secret: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        problems = []
        if self.index not in ("auto", "redis", "sql", "memory"):
            problems.append(f"index must be auto, redis, sql or memory, got {self.index!r}")
        if self.max_upload_bytes <= 0:
            problems.append("max_upload_bytes must be positive")
        if self.lease_seconds <= 0 or self.recovery_interval <= 0:
            problems.append("lease_seconds and recovery_interval must be positive")
        if not 0 < self.check_soft_time_limit < self.check_time_limit:
            problems.append("check_soft_time_limit must be positive and below check_time_limit")
        if self.lsh_bands <= 0 or self.lsh_num_perm <= 0 or self.lsh_num_perm % self.lsh_bands:
            problems.append("lsh_bands must be a positive divisor of lsh_num_perm")
        if self.migrate not in ("auto", "always", "never"):
            problems.append(f"migrate must be auto, always or never, got {self.migrate!r}")
        if not 0.0 < self.review_threshold <= 1.0:
            problems.append("review_threshold must be a similarity above 0 and at most 1")
        if self.blob_store not in BLOB_STORES:
            problems.append(f"blob_store must be one of {', '.join(BLOB_STORES)}, "
                            f"got {self.blob_store!r}")
        if self.tokenizer not in TOKENIZERS:
            problems.append(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}")
        unknown = [name for name in self.normalization_names if name not in KNOWN_NORMALIZATIONS]
        if unknown:
            problems.append(f"normalizations must be among {', '.join(KNOWN_NORMALIZATIONS)}, "
                            f"got {', '.join(unknown)}")
        if self.webhook_url and not self.webhook_secret:
            problems.append("webhook_secret must be set when webhook_url is: receivers need it to "
                            "verify the events (set ORIGINALITY_WEBHOOK_SECRET to a long random value)")
        if self.webhook_attempts < 1 or self.webhook_backoff <= 0:
            problems.append("webhook_attempts must be at least 1 and webhook_backoff positive")
        if self.log_format not in LOG_FORMATS:
            problems.append(f"log_format must be text or json, got {self.log_format!r}")
        problems.extend(self.retention.problems())
        if self.other_students_shown_to not in SHOWN_TO:
            problems.append("other_students_shown_to must be one of "
                            f"{', '.join(SHOWN_TO)}, got {self.other_students_shown_to!r}")
        if self.settle_after < 0:
            problems.append("settle_after must be a number of seconds")
        if self.retention_interval < 0:
            problems.append("retention_interval must be 0 (off) or a number of seconds")
        if problems:
            raise UsageError("invalid settings: " + "; ".join(problems))

    @property
    def normalization_names(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in self.normalizations.split(",") if name.strip())

    @property
    def retention(self) -> RetentionPolicy:
        """The retention policy as the engine takes it (plain numbers of days)."""
        return RetentionPolicy(
            uploads=self.retain_uploads_days, texts=self.retain_texts_days,
            fingerprints=self.retain_fingerprints_days, submissions=self.retain_submissions_days,
            cases=self.retain_cases_days, access_log=self.retain_access_log_days,
            audit_log=self.retain_audit_log_days)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'originality.db').resolve()}"

    @property
    def migrate_at_start(self) -> bool:
        """Whether a process opening the database upgrades its schema (``migrate``)."""
        if self.migrate == "auto":
            return self.sqlalchemy_url.startswith("sqlite")
        return self.migrate == "always"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``ORIGINALITY_<FIELD>`` variables, then ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("extra", "redis_url_given"):
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            default = getattr(cls(), f.name)
            try:
                if isinstance(default, Path):
                    values[f.name] = Path(raw)
                elif isinstance(default, float):
                    values[f.name] = float(raw)
                elif isinstance(default, int):
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw
            except ValueError as error:
                raise UsageError(f"{ENV_PREFIX}{f.name.upper()}: {error}") from error
        values["redis_url_given"] = bool(env.get(ENV_PREFIX + "REDIS_URL"))
        settings = cls(**values)
        return replace(settings, **overrides) if overrides else settings
