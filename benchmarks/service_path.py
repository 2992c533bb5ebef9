"""The service path: a cohort entered into a temporary archive one upload at a time.

What the platform does with each upload, through the archive's public methods only
(``Archive.open``, ``register``, ``claim``, ``process``, ``report_of``; the same calls as
``originality archive add`` and the worker's task): SQLite and the content store in a
temporary directory, the candidate index in the database (``sql``) or in memory, no Redis.
A cohort with starter code has it set first, as ``originality archive starter`` sets it.
Submissions are entered in a seeded shuffled order, each with its own student id (so nothing
is an own attempt), and each report is read as soon as its submission is processed: a pair's
score is the one in the report of whichever of its two submissions was entered later, as an
assessor sees it when the later one arrives, or when the young project's report was scored
again as it grew (``Archive.due_for_rescoring`` and ``rescore`` after each upload, as the
worker queues them), or once the whole cohort is in and the project is quiet, as after a
deadline (the reports it outgrew by a tenth, as the worker's ``settle`` queues them;
``ServiceRun.before_quiet`` keeps the scores before that; ``rescore=False`` leaves every report
as first scored). A pair absent from that report scores 0.
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from datasets import Cohort, key, sub_id


@dataclass
class ServiceRun:
    cohort: str
    scores: dict[tuple[str, str], float] = field(default_factory=dict)
    seconds: float = 0.0
    per_upload: list[float] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    own_attempts: int = 0
    order: list[str] = field(default_factory=list)
    last_background: float = 0.0  # the background the last report carried
    rescored: int = 0  # reports of the young project scored again as it grew
    settled: int = 0  # reports scored again once the project was quiet, at the end
    before_quiet: dict[tuple[str, str], float] = field(default_factory=dict)  # the scores before those


def upload_order(cohort: Cohort, seed: int) -> list[Path]:
    """The cohort's submissions in the order the service benchmark enters them."""
    order = list(cohort.submissions)
    random.Random(seed).shuffle(order)
    return order


def run_cohort(cohort: Cohort, seed: int, index: str = "sql", min_similarity: float = 0.0,
               tmp_root: Path | None = None, progress: bool = True, rescore: bool = True) -> ServiceRun:
    from originality.archive import Archive, file_digest
    from originality.store.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="service-", dir=tmp_root))
    run = ServiceRun(cohort.name)
    order = upload_order(cohort, seed)
    run.order = [sub_id(p) for p in order]
    archive = Archive.open(Settings(data_dir=tmp, index=index))
    # The service reports pairs from its min_similarity (0.1) up; the benchmark compares
    # scores, so both paths list every scored pair (check gets --min-similarity 0 too).
    archive.options = replace(archive.options, min_similarity=min_similarity)
    ours: dict[str, str] = {}  # archive submission id -> cohort id
    paths = {sub_id(path): path for path in order}
    listed: dict[str, list[tuple[str, str]]] = {}  # archive submission id -> the pairs its report lists

    def read_report(submission_id: str, report: dict) -> None:
        for pair in listed.pop(submission_id, []):  # a report scored again replaces the one before
            run.scores.pop(pair, None)
        listed[submission_id] = [key(ours[submission_id], ours[m["submission_id"]]) for m in report.get("matches", [])]
        for pair, match in zip(listed[submission_id], report.get("matches", [])):
            run.scores[pair] = float(match["similarity"])

    def rescore_taken(taken: list[str]) -> int:
        """Score the reports taken again from their uploads, as the worker's task does; how many."""
        done = [due for due in taken if archive.rescore(due, source=paths[ours[due]], when_due=True)]
        for due in done:
            read_report(due, archive.report_of(due))
        return len(done)
    t0 = time.perf_counter()
    try:
        if cohort.base is not None:
            sha, size = archive.store.put_stream(io.BytesIO(zipped(cohort.base)), 1 << 30)
            archive.set_starter(cohort.name, sha, size, name="starter.zip", set_by="benchmark")
        for n, path in enumerate(order, start=1):
            sid = sub_id(path)
            started = time.perf_counter()
            sha, size = file_digest(path)
            registered = archive.register(sha256=sha, size=size, project_id=cohort.name,
                                          student_id=sid, name=sid, origin="upload")
            submission = registered.submission
            ours[submission.id] = sid
            if not archive.claim(submission.id, 3600):
                raise RuntimeError(f"{sid}: could not claim {submission.id}")
            status = archive.process(submission.id, source=path)
            if status != "done":
                got = archive.get(submission.id)
                run.rejected[sid] = getattr(got, "error_code", None) or status
            else:
                report = archive.report_of(submission.id)
                run.last_background = float(report.get("background", 0.0))
                read_report(submission.id, report)
                run.own_attempts += len(report.get("own_attempts", []))
                # As the worker does after a check: the young project's reports now due are
                # scored again (``archive/rescoring.py``), and the pairs take their new scores.
                run.rescored += rescore_taken(archive.due_for_rescoring(cohort.name) if rescore else [])
            run.per_upload.append(time.perf_counter() - started)
            if progress and (n % 100 == 0 or n == len(order)):
                print(f"    {cohort.name}: {n}/{len(order)} uploads, {time.perf_counter() - t0:.0f} s",
                      flush=True, file=__import__("sys").stderr)
        if rescore:
            # The class is in and the project goes quiet, as after a deadline: the worker then
            # scores again the reports it outgrew by a tenth (``Archive.settle_quiet``).
            run.before_quiet = dict(run.scores)
            run.settled += rescore_taken(archive.due_for_rescoring(cohort.name, quiet=True))
    finally:
        archive.close()
        shutil.rmtree(tmp, ignore_errors=True)
    run.seconds = time.perf_counter() - t0
    return run


def zipped(folder: Path) -> bytes:
    """A folder's files as a ZIP (the starter code the platform would upload)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.writestr(path.relative_to(folder).as_posix(), path.read_bytes())
    return out.getvalue()


def compare(check: dict[tuple[str, str], float], service: dict[tuple[str, str], float],
            pairs: list[tuple[str, str]], positives: set[tuple[str, str]], recall_at: float = 0.3) -> dict:
    """Per-pair agreement over ``pairs`` (the labelled ones), and the candidate recall over
    every pair ``check`` scores >= ``recall_at`` (labelled or not)."""
    diffs = sorted(((abs(check.get(p, 0.0) - service.get(p, 0.0)), p) for p in pairs), reverse=True)
    strong = [p for p, s in check.items() if s >= recall_at]
    found = [p for p in strong if p in service]
    strong_lab = [p for p in strong if p in set(pairs)]
    return {
        "max_abs_diff": diffs[0][0] if diffs else 0.0,
        "max_diff_pair": list(diffs[0][1]) if diffs else None,
        "pairs_diff_gt_0.01": sum(1 for d, _ in diffs if d > 0.01),
        "mean_abs_diff": sum(d for d, _ in diffs) / len(diffs) if diffs else 0.0,
        "largest": [(round(d, 3), f"{p[0]}~{p[1]}", round(check.get(p, 0.0), 3), round(service.get(p, 0.0), 3))
                    for d, p in diffs[:8]],
        "check_pairs_ge": len(strong),
        "recall": len(found) / len(strong) if strong else float("nan"),
        "recall_labelled": (sum(1 for p in strong_lab if p in service) / len(strong_lab)) if strong_lab else float("nan"),
        "check_labelled_ge": len(strong_lab),
        "positives": len(positives),
        "positives_scored_check": sum(1 for p in positives if check.get(p, 0.0) > 0),
        "positives_scored_service": sum(1 for p in positives if service.get(p, 0.0) > 0),
        "missed_examples": [f"{p[0]}~{p[1]}={check[p]:.3f}" for p in strong if p not in service][:8],
    }
