"""How one upload's archive check grows with the archive (issue 13).

    .venv/bin/python benchmarks/archive_check.py --students 2000 [--checks 20] [--cohort scale] [--profile] [--phases]

Builds the generated multi-file Python cohort of that many students (`run.py speed`'s, with
starter code and 5% disguised copies; ``--cohort scale``: datasets.build_scale_cohort, whose
independent students share short idioms only, as real ones do), holds back ``--checks``
submissions that have a copy partner, imports the rest into an empty archive (SQLite, the candidate index in the database,
the cohort's starter code set), then checks each held-back one against the archive as the
worker does (``Archive.compare``) and prints the median and 95th percentile of the check alone
(unpacking and fingerprinting the upload apart; wall clock and the process's CPU time, since
the machine is shared), the process's peak memory, the database's
size per entry, and whether each check's top match is a copy partner. Generated data: the
archive's scale is what no real set has.

``--data DIR`` keeps the archive in DIR, and a later run with the same arguments checks against
it without importing again; ``--reports FILE`` writes the checks' reports. The engine is taken
from ``PYTHONPATH`` first, so two engines can be timed on one archive and their reports
compared with ``cmp`` (docs/benchmarks.md, "Archive check as the archive grows"). ``--phases``
prints the CPU seconds a check spends in each of its stages (``PHASES``), without a profiler's
overhead on NumPy's many small calls. ``--process`` takes each held-back upload through
``Archive.process`` instead, the worker's whole task (unpacked and fingerprinted, entered,
checked, its report, links, summary and flags stored), on a copy of the archive made for the
run, so a kept one stays as it was. ``--unrelated N`` also checks N programs of another task
(``datasets.build_obfuscated_multifile``'s), which match little of the archive: what a check
costs before its matches, and how that grows with the archive.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import json
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# After PYTHONPATH, so that an engine from `git archive` there can be measured against this one.
sys.path.append(str(HERE.parent))

import datasets  # noqa: E402

from originality.archive import Archive, PastSubmission, file_digest  # noqa: E402
from originality.check import load_submission  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.store.settings import Settings  # noqa: E402


# The stages of a check timed by ``--phases``: (module, owner in it or "", function).
PHASES = [
    ("originality.archive.postings", "", "candidates"),
    ("originality.archive.profiles", "", "read"),
    ("originality.archive.stats", "", "read"),
    ("originality.archive.background", "", "sample"),
    ("originality.archive.stats", "", "upload_groups"),
    ("originality.archive.stats", "", "upload_counted"),
    ("originality.archive.stats", "", "background_counts"),
    ("originality.score", "", "counted_background"),
    ("originality.score", "Comparison", "__init__"),
    ("originality.score", "Comparison", "background"),
    ("originality.one_against", "", "kgram_counts"),
    ("originality.score", "Comparison", "_cosines"),
    ("originality.score", "Comparison", "score"),
    ("originality.archive.entries", "StoredUnits", "fetch"),
    ("originality.cohort", "", "mark_excluded"),
    ("originality.match", "SubmissionPrints", "build"),
    ("originality.match", "", "alignments"),
    ("originality.archive.compare", "", "template_ranges"),
    # The worker's task beyond the check (``--process``).
    ("originality.archive.compare", "Compare", "compare"),
    ("originality.archive.entries", "Entries", "enter"),
    ("originality.store.links", "", "write"),
    ("originality.store.summaries", "", "write"),
    ("originality.store.flags", "", "write"),
]


def timed_phases() -> dict[str, float]:
    """Wrap each of ``PHASES`` to add its CPU seconds (outermost calls only) to the dict
    returned; every module that imported the function by name gets the wrapper too."""
    import functools
    import importlib

    spent: dict[str, float] = {}
    for module_name, owner_name, name in PHASES:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        label = f"{owner_name or module_name.rsplit('.', 1)[-1]}.{name}"
        original = owner.__dict__[name]
        is_property = hasattr(original, "func")  # functools.cached_property
        is_class_method = isinstance(original, classmethod)
        function = original.func if is_property else original.__func__ if is_class_method else original

        def wrapper(*args, _function=function, _label=label, **kwargs):
            began = time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.process_time() - began

        wrapped = functools.update_wrapper(wrapper, function)
        if is_property:
            wrapped = functools.cached_property(wrapped)
            wrapped.__set_name__(owner, name)
        elif is_class_method:
            wrapped = classmethod(wrapped)
        setattr(owner, name, wrapped)
        for other in list(sys.modules.values()):
            if other is not None and other is not module and getattr(other, name, None) is original:
                setattr(other, name, wrapped)
    return spent


def partners(root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with open(root / "truth.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"] == "1":
                found.setdefault(row["a"], set()).add(row["b"])
                found.setdefault(row["b"], set()).add(row["a"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cohort", choices=["zip", "scale"], default="zip",
                        help="generated cohort: zip (datasets.build_zip_cohort) or scale (build_scale_cohort)")
    parser.add_argument("--profile", action="store_true", help="print the checks' hottest functions")
    parser.add_argument("--phases", action="store_true", help="print each stage's CPU seconds a check")
    parser.add_argument("--verbose", action="store_true", help="print each check's top matches")
    parser.add_argument("--reports", type=Path, help="write the checks' reports here as JSON (to compare engines)")
    parser.add_argument("--process", action="store_true", help="each upload through Archive.process (the "
                        "worker's whole task), on a copy of the archive")
    parser.add_argument("--data", type=Path, help="keep the archive in this directory and reuse it "
                        "when it holds one already (the import is then skipped)")
    parser.add_argument("--unrelated", type=int, default=0, help="also check this many programs of another "
                        "task (the cost of a check before its matches)")
    args = parser.parse_args()

    spent = timed_phases() if args.phases else {}
    build = datasets.build_scale_cohort if args.cohort == "scale" else datasets.build_zip_cohort
    started = time.perf_counter()
    root = build(args.students)
    print(f"cohort {root.name} ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    zips = {p.stem: p for p in sorted((root / "subs").glob("*.zip"))}
    copies = partners(root)
    held = sorted(random.Random(args.seed).sample(sorted(copies), min(args.checks, len(copies))))
    # A held-back submission's partners stay in the archive: each check has a source to find.
    held = [sid for sid in held if copies[sid] - set(held)][: args.checks]
    with contextlib.ExitStack() as stack:
        data = args.data or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="archive-check-")))
        data.mkdir(parents=True, exist_ok=True)
        # The held-back uploads follow from the cohort, the seed and the number of checks.
        marker, made = data / "imported", f"{args.cohort} {args.students} {args.seed} {args.checks}\n"
        reused = marker.exists()
        if reused and marker.read_text() != made:
            parser.error(f"{data} holds an archive made with other arguments: {marker.read_text().strip()}")
        archive = Archive.open(Settings(data_dir=data, index="sql"))
        try:
            if not reused:
                datasets.set_starter(archive, root, "bench")
            started = time.perf_counter()
            items = [PastSubmission(path, sid, sid, 1, None) for sid, path in zips.items() if sid not in held]
            if not reused:
                for start in range(0, len(items), 100):
                    archive.import_batch("bench", items[start:start + 100])
                marker.write_text(made)
            imported = time.perf_counter() - started
            if args.process:  # processing enters the uploads: on a copy, the kept archive untouched
                archive.close()
                copy = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="archive-process-"))) / "data"
                shutil.copytree(data, copy)
                archive = Archive.open(Settings(data_dir=copy, index="sql"))
            seconds, cpu, tops, profile, reports = [], [], [], cProfile.Profile(), {}
            # A worker's first check loads what later ones find loaded (0.2-0.5 s at 20,000
            # entries): one check first, not counted, as million_check.py warms its caches.
            archive.compare(load_submission(zips[held[0]], archive.options_for("bench"), SymbolTable(),
                                            identifier=held[0]), "bench", None)
            spent.clear()
            for sid in held:
                if args.process:
                    sha, size = file_digest(zips[sid])
                    submission = archive.register(sha256=sha, size=size, project_id="bench", student_id=sid,
                                                  name=sid, origin="upload").submission
                    assert archive.claim(submission.id, 3600)
                else:
                    loaded = load_submission(zips[sid], archive.options_for("bench"), SymbolTable(), identifier=sid)
                began, began_cpu = time.perf_counter(), time.process_time()
                if args.profile:
                    profile.enable()
                if args.process:
                    assert archive.process(submission.id, source=zips[sid]) == "done"
                else:
                    report = archive.compare(loaded, "bench", None)
                if args.profile:
                    profile.disable()
                seconds.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
                if args.process:
                    report = archive.report_of(submission.id)
                reports[sid] = report
                top = report["matches"][0]["name"] if report["matches"] else None
                tops.append(top in copies[sid])
                if args.verbose:
                    found = {m["name"]: m["similarity"] for m in report["matches"]}
                    print(f"  {sid}: CPU {cpu[-1]:.2f} s, {len(report['matches'])} matches; "
                          f"top {[(m['name'], m['similarity']) for m in report['matches'][:3]]}, "
                          f"partners {[(p, found.get(p)) for p in sorted(copies[sid])]}", file=sys.stderr)
            held_phases = dict(spent)  # the held-back uploads' stages alone
            unrelated_cpu, unrelated_matches = [], []
            foreign = sorted((datasets.build_obfuscated_multifile() / "subs").glob("*.zip"))[: args.unrelated]
            for path in foreign:
                loaded = load_submission(path, archive.options_for("bench"), SymbolTable(), identifier=path.stem)
                began_cpu = time.process_time()
                unrelated_matches.append(len(archive.compare(loaded, "bench", None)["matches"]))
                unrelated_cpu.append(time.process_time() - began_cpu)
            size = sum(f.stat().st_size for f in data.rglob("*") if f.is_file())
        finally:
            archive.close()
    if args.reports:
        args.reports.write_text(json.dumps(reports, sort_keys=True))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p95 = sorted(seconds)[max(0, round(0.95 * len(seconds)) - 1)]
    what = "process (the worker's task)" if args.process else "check"
    print(f"archive of {len(items)} entries ({'reused' if reused else f'imported in {imported:.0f} s'}): {what} median "
          f"{statistics.median(seconds):.2f} s, p95 {p95:.2f} s over {len(seconds)} uploads "
          f"(CPU median {statistics.median(cpu):.2f} s, p95 {sorted(cpu)[max(0, round(0.95 * len(cpu)) - 1)]:.2f} s); "
          f"top match a copy partner {sum(tops)}/{len(tops)}; peak {peak:.0f} MB; "
          f"database {size / 1e6:.0f} MB ({size / len(items) / 1e3:.0f} kB an entry)")
    if unrelated_cpu:
        print(f"{len(unrelated_cpu)} programs of another task: check CPU median {statistics.median(unrelated_cpu):.3f} s, "
              f"max {max(unrelated_cpu):.3f} s; matches median {statistics.median(unrelated_matches):.0f}, "
              f"max {max(unrelated_matches)}")
    for label, seconds_spent in held_phases.items():
        print(f"  {label}: {seconds_spent / len(cpu):.3f} s of CPU {'an upload' if args.process else 'a check'}")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
