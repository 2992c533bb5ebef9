"""The whole pipeline in one place: unpack -> extract -> normalize -> fingerprint ->
compare (exclusions, features, calibrated similarity, alignment) -> report.

``check`` compares every submission with every other one in one process, as
``originality check`` does; each stage lives in its own module.
"""

from __future__ import annotations

import io
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from . import quotes
from .cohort import common_binaries
from .errors import SubmissionRejected, UsageError
from .extract import extract
from .fingerprint import SymbolTable
from .model import Document, DocumentState, Fragment, PairResult, Pairs, Span, SubmissionStatus
from .options import CheckOptions, MatchOptions
from .report import NOT_COMPARED, Report, SubmissionSummary, rounded
from .score import Comparison
from .tamper import submission_flags
from .unpack import is_zip, read_submission, read_zip_bytes
from .units import Unit, build_units, template_lines

# progress(stage, done, total): lets a terminal show a bar without the engine knowing it.
Progress = Callable[[str, int, int], None]

# Submissions are read on several processes only when each process gets at least this many,
# handed out this many at a time (``_load_all``). Both judgments, not measured apart (they came
# with parallel loading): a process is started only for enough work to pay for it.
PARALLEL_MIN_PER_WORKER = 16
PARALLEL_CHUNK = 8


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class LoadedSubmission:
    """One submission after unpacking and extraction."""

    id: str
    status: SubmissionStatus
    documents: list[Document] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    error: SubmissionRejected | None = None

    @property
    def files(self) -> int:
        """The files the submission holds, every one read whatever became of it (compared,
        skipped, left unread, binary...; a litter folder is one): the report's and the
        service's ``files`` alike, and ``unread`` says which of them were not compared."""
        return len(self.documents)

    @property
    def binary_digests(self) -> dict[str, str]:
        """sha256 -> path of the binary files (images, datasets), compared by identity only."""
        found: dict[str, str] = {}
        for doc in self.documents:
            if doc.state is DocumentState.BINARY and doc.size > 0:
                found.setdefault(doc.sha256, doc.path)
        return found


def submission_id(path: str | os.PathLike[str]) -> str:
    """A submission's id: its file name without ``.zip`` (a directory: its name, the real one
    for ``.`` or ``..``)."""
    name = Path(path).name
    if name in ("", ".", ".."):
        name = Path(path).resolve().name
    return name[: -len(".zip")] if name.lower().endswith(".zip") else name


def load_submission(path: str | os.PathLike[str] | bytes, options: CheckOptions, table: SymbolTable,
                    identifier: str | None = None, name: str | None = None) -> LoadedSubmission:
    """Unpack, extract and fingerprint one submission, a path or a ZIP's bytes (an upload read
    from the blob store); a bad one comes back rejected. ``name``: an upload's file name, for
    its messages (its id's otherwise, which tells the student nothing)."""
    if isinstance(path, bytes):
        identifier = identifier or "upload"
    else:
        identifier = identifier or submission_id(path)
    try:
        if isinstance(path, bytes):
            entries = read_zip_bytes(path, options.unpack, name=name or f"{identifier}.zip")
        else:
            entries = read_submission(path, options.unpack)
    except SubmissionRejected as error:
        return LoadedSubmission(identifier, SubmissionStatus.REJECTED, error=error)
    documents = [extract(entry) for entry in entries]
    loaded = LoadedSubmission(identifier, SubmissionStatus.OK, documents=documents)
    for index, document in enumerate(documents):
        units = build_units(document, options.match, table) if document.state is DocumentState.OK else []
        if document.state is DocumentState.OK and not units:
            documents[index] = _with_state(document, DocumentState.TOO_SHORT)
        loaded.units.extend(units)
    return loaded


def unread_files(documents: list[Document]) -> list[dict[str, str]]:
    """The files a submission holds that were not compared (``report.NOT_COMPARED``; an empty
    file of no byte aside), for the report."""
    return [{"file": d.path, "state": d.state.value, "detail": d.detail or ""}
            for d in documents if d.state in NOT_COMPARED and not (d.state is DocumentState.EMPTY and not d.size)]


def _with_state(document: Document, state: DocumentState) -> Document:
    return replace(document, state=state, detail=document.detail or "too few tokens to compare")


def _validate_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    result = []
    for path in paths:
        candidate = Path(path)
        if not candidate.exists():
            raise UsageError(f"no such submission: {candidate}")
        result.append(candidate)
    return result


def check(
    submissions: Iterable[str | os.PathLike[str]],
    bases: Iterable[str | os.PathLike[str]] = (),
    options: CheckOptions = CheckOptions(),
    progress: Progress = _no_progress,
) -> Report:
    """Compare every submission with every other one; starter code in ``bases`` never counts."""
    # The same path given twice (``subs/* subs/alice.zip``) is one submission.
    paths = list({Path(p).resolve(): p for p in _validate_paths(submissions)}.values())
    base_paths = _validate_paths(bases)
    by_id: dict[str, list[Path]] = {}
    for path in paths:
        by_id.setdefault(submission_id(path), []).append(path)
    duplicates = {sid: found for sid, found in sorted(by_id.items()) if len(found) > 1}
    if duplicates:
        raise UsageError("submissions share an id (their file or folder name): " + "; ".join(
            f"{sid}: {' and '.join(str(p) for p in found)}" for sid, found in duplicates.items())
            + "; rename one of each")
    table = SymbolTable()

    base_units, base_digests = load_starter(base_paths, options, table)
    loaded_all = _load_all(sorted(paths, key=submission_id), options, table, progress)

    ok = [s for s in loaded_all if s.status is SubmissionStatus.OK]
    comparison = Comparison([s.id for s in ok], [s.units for s in ok], base_units, options.match)
    pairs = comparison.score(comparison.pairs_reaching(options.min_similarity), options.min_similarity,
                             lambda done, total: progress("compare", done, total), options.workers)
    shared_binaries = _binary_matches(ok, base_digests, options.match)
    pairs = _attach_binaries(pairs, shared_binaries, options.min_similarity)
    return _report(loaded_all, pairs, options.match.leave_out_quotations, comparison.background,
                   comparison.group_count)


def load_starter(paths: Iterable[Path], options: CheckOptions,
                 table: SymbolTable) -> tuple[list[Unit], set[str]]:
    """The units and binary digests of the starter code; an unreadable one is a usage error."""
    units: list[Unit] = []
    digests: set[str] = set()
    for base in paths:
        loaded = load_submission(_starter_source(base), options, table, identifier="starter")
        if loaded.error is not None:
            raise UsageError(f"cannot read starter code {base}: {loaded.error.message}")
        units.extend(loaded.units)
        digests.update(loaded.binary_digests)
    return units, digests


def _starter_source(base: Path) -> Path | bytes:
    """A starter given as one file that is no ZIP (the library the class completes, the report
    template) is starter code of that one file, as a teacher means it: read as a ZIP holding
    it, under its own name."""
    if not base.is_file() or is_zip(base):
        return base
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(base.name, base.read_bytes())
    return buffer.getvalue()


def _load_one(path: Path, options: CheckOptions) -> LoadedSubmission:
    return load_submission(path, options, SymbolTable())


def _load_all(paths: list[Path], options: CheckOptions, table: SymbolTable,
              progress: Progress) -> list[LoadedSubmission]:
    """Load submissions, on several processes when there are enough to pay for them.

    Lexing is the costliest stage and every submission is independent; ``map`` keeps the
    input order, so the result is the same whatever the number of workers.
    """
    workers = min(options.workers, len(paths) // PARALLEL_MIN_PER_WORKER)
    if workers <= 1:
        loaded = []
        for done, path in enumerate(paths, start=1):
            loaded.append(load_submission(path, options, table))
            progress("read", done, len(paths))
        return loaded
    loaded = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = pool.map(_load_one, paths, [options] * len(paths), chunksize=PARALLEL_CHUNK)
        for done, submission in enumerate(jobs, start=1):
            loaded.append(submission)
            progress("read", done, len(paths))
    return loaded


def _binary_matches(ok: list[LoadedSubmission], base_digests: set[str],
                    options: MatchOptions) -> dict[tuple[str, str], list[Fragment]]:
    """Identical binary assets that are neither starter material nor common to the cohort."""
    digests = [s.binary_digests for s in ok]
    ignored = common_binaries([set(d) for d in digests], base_digests, options)
    owners: dict[str, list[int]] = {}
    for index, found in enumerate(digests):
        for digest in found:
            if digest not in ignored:
                owners.setdefault(digest, []).append(index)
    matches: dict[tuple[str, str], list[Fragment]] = {}
    for digest, holders in sorted(owners.items()):
        for x in range(len(holders)):
            for y in range(x + 1, len(holders)):
                a, b = ok[holders[x]], ok[holders[y]]
                fragment = Fragment(Span(digests[holders[x]][digest], 1, 1),
                                    Span(digests[holders[y]][digest], 1, 1), tokens=0)
                matches.setdefault((a.id, b.id), []).append(fragment)
    return matches


def _attach_binaries(pairs: Pairs, binaries: dict[tuple[str, str], list[Fragment]],
                     min_similarity: float) -> Pairs:
    """Identical binaries are shown as zero-token fragments: noticed, never scored.

    ``pairs`` come in report order; a pair that shares only binaries scores 0, so it is listed
    (at a floor of 0) after every scored pair, which keeps that order without sorting again.
    """
    if not binaries:
        return pairs
    attached, listed = [], set()
    for pair in pairs:
        extra = binaries.get((pair.a, pair.b))
        if extra is not None:
            listed.add((pair.a, pair.b))
            pair = PairResult(pair.a, pair.b, pair.similarity, pair.a_share, pair.b_share,
                              pair.fragments + tuple(extra))
        attached.append(pair)
    if min_similarity <= 0:
        attached.extend(PairResult(a, b, 0.0, 0.0, 0.0, tuple(binaries[a, b]))
                        for a, b in sorted(set(binaries) - listed))
    return Pairs(attached)


def _report(loaded: list[LoadedSubmission], pairs: Pairs,
            leave_out_quotations: bool, background: float, groups: int) -> Report:
    summaries = [
        SubmissionSummary(
            s.id,
            s.status,
            s.files,
            s.error.to_dict() if s.error else None,
            tuple(unread_files(s.documents)),
            tuple(submission_flags(s.documents)),
            tuple(quotes.listed(s.documents)) if leave_out_quotations else (),
        )
        for s in loaded
    ]
    in_pairs = pairs.members()
    sources = {
        s.id: {d.path: d.text for d in s.documents if d.state is DocumentState.OK}
        for s in loaded
        if s.id in in_pairs
    }
    greyed = {s.id: template_lines(s.units) for s in loaded if s.id in in_pairs}
    return Report(summaries, pairs, sources, greyed, rounded(background), groups)
