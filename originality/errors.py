"""Errors with stable codes.

Expected outcomes (an empty file, a rejected submission) are states, not exceptions; these
classes are for the cases where a piece of work cannot go on. Each carries a stable ``code``
that reports and the API show, and an ``http_status`` that the API layer maps to a response.
"""

from __future__ import annotations

# Exceptions a caller's runtime raises inside a check to stop it, such as Celery's soft time
# limit (raised wherever the check happens to be, a subclass of Exception). The engine reads
# damaged files under broad ``except Exception`` handlers; those let these through (``except
# interruptions(): raise`` first), or a check past its limit would end as done with the file it
# was reading called unreadable. The engine imports no Celery: the worker registers the class.
_INTERRUPTIONS: list[type[BaseException]] = []


def interrupts(kind: type[BaseException]) -> None:
    """Register an exception class that stops a check and that no handler may swallow."""
    if kind not in _INTERRUPTIONS:
        _INTERRUPTIONS.append(kind)


def interruptions() -> tuple[type[BaseException], ...]:
    """The registered classes, for an ``except`` clause (an empty tuple matches nothing)."""
    return tuple(_INTERRUPTIONS)


class OriginalityError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class UsageError(OriginalityError):
    """The caller asked for something impossible (bad option, missing path)."""

    code = "usage_error"
    http_status = 400


class SecretKeyMissing(UsageError):
    """The service was started without ``ORIGINALITY_SECRET_KEY`` (or with a short one)
    outside development: every API machine must sign session cookies with the same key."""

    code = "secret_key_missing"


class Unauthenticated(OriginalityError):
    """No valid credentials: no token, a token nobody made, or a page session that ended."""

    code = "unauthorized"
    http_status = 401


class TokenRevoked(Unauthenticated):
    code = "token_revoked"


class TokenExpired(Unauthenticated):
    code = "token_expired"


class UploadTooLarge(OriginalityError):
    code = "too_large"
    http_status = 413


class NotFound(OriginalityError):
    code = "not_found"
    http_status = 404


class BlobMissing(OriginalityError):
    """A stored upload is not in the blob store (deleted by hand, or a store moved without its
    contents): not the student's fault, so the check fails and can be retried."""

    code = "blob_missing"
    http_status = 500


class SchemaOutOfDate(OriginalityError):
    """The database's schema is older than this version's: ``originality db upgrade`` brings it
    up to date, once, before the new version's processes start."""

    code = "schema_out_of_date"
    http_status = 503


class NotReady(OriginalityError):
    """Asked for the result of a check that has not ended (or was rejected)."""

    code = "not_ready"
    http_status = 409


class IndexLost(OriginalityError):
    """The candidate index's Redis was started again (empty) in the middle of a check's use of
    it: what the check found or wrote may be in the instance that is gone, so the check runs
    again rather than miss its candidates silently."""

    code = "index_lost"
    http_status = 503


class CaseConflict(OriginalityError):
    """The case or submission is not in a state that allows this step."""

    code = "conflict"
    http_status = 409


class EventConflict(OriginalityError):
    """The webhook event is not in a state that allows this step (re-sending one that is
    still waiting to be delivered)."""

    code = "conflict"
    http_status = 409


class SubmissionRejected(OriginalityError):
    """A submission cannot be checked; the run goes on without it."""

    code = "rejected"
    http_status = 422


class ZipBomb(SubmissionRejected):
    code = "zip_bomb"


class EncryptedArchive(SubmissionRejected):
    code = "encrypted"


class CorruptArchive(SubmissionRejected):
    code = "corrupt_archive"


class NotAnArchive(SubmissionRejected):
    code = "not_a_zip"


class TooManyFiles(SubmissionRejected):
    code = "too_many_files"


class PathTooLong(SubmissionRejected):
    code = "path_too_long"


class UnsafePath(SubmissionRejected):
    """An entry name tries to leave the submission (``..``, absolute, drive letter)."""

    code = "unsafe_path"


class EmptySubmission(SubmissionRejected):
    code = "empty"
