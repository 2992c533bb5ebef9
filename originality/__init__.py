"""originality: the engine. Pure Python; no Flask, no Celery (see README.md here)."""

from __future__ import annotations

from .calibration import DEFAULT_MODEL, Model
from .check import check, load_submission, submission_id
from .errors import OriginalityError, SubmissionRejected, UsageError
from .extract import extract
from .model import (
    Document,
    DocumentState,
    Entry,
    Flag,
    Fragment,
    PairResult,
    Segment,
    SegmentKind,
    Span,
    SubmissionStatus,
    TokenStream,
)
from .options import CheckOptions, MatchOptions, UnpackLimits
from .report import Report, SubmissionSummary
from .score import Comparison
from .tamper import fold_text, scan
from .unpack import read_submission, read_zip_bytes

__all__ = [
    "DEFAULT_MODEL",
    "CheckOptions",
    "Comparison",
    "Document",
    "DocumentState",
    "Entry",
    "Flag",
    "Fragment",
    "MatchOptions",
    "Model",
    "OriginalityError",
    "PairResult",
    "Report",
    "Segment",
    "SegmentKind",
    "Span",
    "SubmissionRejected",
    "SubmissionStatus",
    "SubmissionSummary",
    "TokenStream",
    "UnpackLimits",
    "UsageError",
    "check",
    "extract",
    "fold_text",
    "load_submission",
    "read_submission",
    "read_zip_bytes",
    "scan",
    "submission_id",
]
