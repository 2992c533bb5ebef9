"""Benchmark originality against copydetect and Dolos on the same data, in one run.

    python benchmarks/run.py detection [--datasets java_pairs,templated_java,...] [--tools ...]
    python benchmarks/run.py speed [--students 300,2000] [--tools ...]
    python benchmarks/run.py hostile
    python benchmarks/run.py service [--datasets java_pairs,obfuscation,prose_paraphrase] [--seed 1]
    python benchmarks/run.py import [--students 300,2000] [--cohort zip|scale]
    python benchmarks/run.py realism [--datasets scale_cohort_300,zip_cohort_300,java_pairs]

Run it with the project's venv python (``.venv/bin/python``): it has copydetect, numpy,
scikit-learn and python-docx. Dolos needs ``npm install`` in ``benchmarks/`` once.
Generated data and raw tool outputs go under ``benchmarks/out/`` (git-ignored); results are
also written as JSON to ``benchmarks/out/results/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import metrics  # noqa: E402
import peers  # noqa: E402
from measure import run_measured  # noqa: E402

REAL_DATASETS = ["java_pairs", "obfuscation", "prose_paraphrase", "prose_embedded"]
DETECTION_DATASETS = [*REAL_DATASETS, "templated_java", "prose_answers", "obfuscated_multifile", "zip_cohort_300"]
RESULTS = datasets.OUT / "results"
# The generated gradebook cohorts the scale benchmarks can run on (datasets.py): `zip`, whose
# independent students share whole functions, and `scale`, whose share short idioms only.
COHORTS = {"zip": datasets.build_zip_cohort, "scale": datasets.build_scale_cohort}


def fmt(x: float, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def run_dataset(ds: datasets.Dataset, tools: list[str], timeout: float | None,
                skip: dict[str, str] | None = None) -> list[dict]:
    """Run every tool on every cohort of ``ds``; one result row per tool."""
    rows = []
    for tool in tools:
        if skip and tool in skip:
            rows.append({"tool": tool, "status": "skipped", "note": skip[tool]})
            continue
        scores: dict = {}
        alt: dict[str, dict] = {}
        seconds, peak, rss_sum, status, notes, rejected = 0.0, 0.0, 0.0, "ok", [], {}
        for cohort in ds.cohorts:
            workdir = datasets.OUT / "runs" / ds.name / cohort.name / tool
            print(f"  {ds.name}/{cohort.name}: {tool} ...", end="", flush=True, file=sys.stderr)
            r = peers.run_tool(tool, cohort, workdir, timeout)
            print(f" {r.status} {r.seconds:.1f}s {r.peak_mb:.0f}MB", file=sys.stderr)
            seconds += r.seconds
            peak = max(peak, r.peak_mb)
            rss_sum = max(rss_sum, r.rss_sum_mb)
            scores.update(r.scores)
            for k, v in r.alt_scores.items():
                alt.setdefault(k, {}).update(v)
            rejected.update(r.rejected)
            if r.status != "ok":
                status = r.status
                notes.append(f"{cohort.name}: {r.note}")
                if r.status == "skipped":
                    break
        row = {"tool": tool, "status": status, "seconds": seconds, "peak_mb": peak, "rss_sum_mb": rss_sum,
               "note": " | ".join(notes),
               "rejected": rejected}
        rows.append(row)
        if status == "ok":
            row.update(metrics.evaluate(ds, scores))
            row["worst"] = metrics.worst(ds, scores)
            for name, sc in alt.items():
                rows.append({"tool": f"{tool} ({name})", "status": "ok", "seconds": seconds, "peak_mb": peak,
                             "rss_sum_mb": rss_sum, **metrics.evaluate(ds, sc)})
    return rows


def print_table(title: str, rows: list[dict], extra: list[str] | None = None) -> None:
    ours = next((r for r in rows if r["tool"] == "originality" and r["status"] == "ok"), None)
    extra = extra or []
    head = ["tool", "ROC-AUC", "best F1", *extra, "seconds", "peak MB", "RSS-sum MB", "time x ours", "mem x ours"]
    lines = [head]
    for r in rows:
        if r["status"] != "ok":
            lines.append([r["tool"], r["status"], r.get("note", "")[:60]] + [""] * (len(head) - 3))
            continue
        tr = fmt(r["seconds"] / ours["seconds"], 2) if ours and ours["seconds"] else "-"
        mr = fmt(r["peak_mb"] / ours["peak_mb"], 2) if ours and ours["peak_mb"] else "-"
        ex = []
        for e in extra:
            v = r.get(e)
            ex.append(str(v) if isinstance(v, int) else fmt(v))
        lines.append([r["tool"], fmt(r.get("auc")), fmt(r.get("f1")), *ex, fmt(r["seconds"], 1),
                      fmt(r["peak_mb"], 0), fmt(r.get("rss_sum_mb", 0.0), 0), tr, mr])
    widths = [max(len(str(l[i])) for l in lines) for i in range(len(head))]
    print(f"\n## {title}")
    for i, l in enumerate(lines):
        print("  ".join(str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(l, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def print_kinds(rows: list[dict]) -> None:
    kinds = sorted({k for r in rows if r["status"] == "ok" for k in r.get("kinds", {})})
    if not kinds:
        return
    tools = [r for r in rows if r["status"] == "ok" and "kinds" in r]
    print("  mean score by kind (pairs >= 0.5):")
    for k in kinds:
        cells = []
        for r in tools:
            v = r["kinds"].get(k)
            cells.append(f"{r['tool']}={fmt(v['mean'], 2)} ({v['ge_0.5']}/{v['n']})" if v else "")
        print(f"    {k:<20} " + "  ".join(cells))


def print_reference(reference: dict[str, dict], extra: list[str]) -> None:
    """Another tool's published per-pair scores, read like ours (not run here: no time)."""
    print("  published scores in the data (same pairs; not run here):")
    for col, r in reference.items():
        ex = "  ".join(f"{e}={r[e] if isinstance(r.get(e), int) else fmt(r.get(e))}" for e in extra)
        print(f"    {col:<12} ROC-AUC {fmt(r['auc'])}  best F1 {fmt(r['f1'])}  {ex}")


def print_groups(ds: datasets.Dataset, rows: list[dict], reference: dict[str, dict]) -> None:
    """ROC-AUC per group (e.g. per set and per attack), every tool and reference side by side."""
    cols = [(r["tool"], r["groups"]) for r in rows if r["status"] == "ok" and "groups" in r]
    cols += [(c, r["groups"]) for c, r in reference.items()]
    head = ["group (ROC-AUC)", "pos", "neg", *[c for c, _ in cols]]
    lines = [head]
    for g in ds.groups:
        first = cols[0][1][g] if cols else {"pos": 0, "neg": 0}
        lines.append([g, str(first["pos"]), str(first["neg"]), *[fmt(v[g]["auc"]) for _, v in cols]])
    widths = [max(len(str(l[i])) for l in lines) for i in range(len(head))]
    print()
    for i, l in enumerate(lines):
        print("  ".join(str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(l, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def engine_version() -> str:
    """The engine commit under test, marked dirty if originality/ has uncommitted changes."""
    import subprocess

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=HERE.parent, capture_output=True, text=True)
        return r.stdout.strip()

    dirty = git("status", "--porcelain", "--", "originality")
    # the last commit that changed the engine (a benchmark branch's own commits are not it)
    return (git("log", "-1", "--format=%h", "--", "originality") or "?") + ("+dirty" if dirty else "")


def save(name: str, payload: dict) -> None:
    payload = {"engine": engine_version(), "when": time.strftime("%Y-%m-%d %H:%M"),
               "load": os.getloadavg()[0], **payload}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=1, default=str) + "\n")


def cmd_detection(args: argparse.Namespace) -> int:
    names = args.datasets.split(",")
    tools = args.tools.split(",")
    t0 = time.perf_counter()
    for name in names:
        ds = datasets.build(name)
        rows = run_dataset(ds, tools, args.timeout)
        extra = ["auc_dev", "auc_holdout"] if ds.splits else []
        extra += ["fp_at_0.5", "missed_at_0.5", "errors_at_0.5"]
        n_sub = sum(len(c.submissions) for c in ds.cohorts)
        pos = sum(1 for v in ds.truth.values() if v[0] == 1)
        print_table(f"{name}: {n_sub} submissions in {len(ds.cohorts)} cohort(s), "
                    f"{len(ds.evaluated_pairs())} evaluated pairs ({pos} plagiarism)", rows, extra)
        print_kinds(rows)
        reference = metrics.reference(ds)
        if reference:
            print_reference(reference, extra)
        if ds.groups:
            print_groups(ds, rows, reference)
        ours = next((r for r in rows if r["tool"] == "originality" and r["status"] == "ok"), None)
        if ours and args.verbose:
            print("  originality lowest-scored positives:", ours["worst"]["lowest_positives"][:5])
            print("  originality highest-scored negatives:", ours["worst"]["highest_negatives"][:5])
        if ours and ours.get("rejected"):
            print(f"  originality rejected {len(ours['rejected'])} submissions: "
                  f"{dict(list(ours['rejected'].items())[:5])}")
        save(name, {"dataset": name, "rows": rows, "reference": reference})
    print(f"\ndetection benchmark done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


def cmd_speed(args: argparse.Namespace) -> int:
    tools = args.tools.split(",")
    for n in [int(x) for x in args.students.split(",")]:
        t = time.perf_counter()
        ds = datasets.load(COHORTS[args.cohort](n))
        print(f"  generated {ds.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        skip = {}
        if n > args.copydetect_max and "copydetect" in tools:
            skip["copydetect"] = (f"skipped above {args.copydetect_max} students (O(files^2) Python loop; "
                                  f"use --copydetect-max to force)")
        rows = run_dataset(ds, tools, args.timeout, skip)
        files = sum(1 for c in ds.cohorts for _ in c.submissions)
        print_table(f"speed: {ds.name} ({files} ZIPs with starter code, "
                    f"{sum(1 for v in ds.truth.values() if v[0])} copy pairs, all {len(ds.evaluated_pairs())} pairs)",
                    rows, ["fp_at_0.5", "missed_at_0.5"])
        print_kinds(rows)
        save(f"speed_{n}" if args.cohort == "zip" else f"speed_{args.cohort}_{n}",
             {"dataset": ds.name, "rows": rows})
    return 0


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def cmd_hostile(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE.parent))
    from fixtures.hostile import write_hostile_zips

    outer = Path(tempfile.mkdtemp(prefix="hostile-"))
    work = outer / "d1" / "d2" / "d3" / "work"  # deep, so a ../../ escape still lands inside `outer`
    inputs, cwd, tmp, out = work / "in", work / "cwd", work / "tmp", work / "out"
    for d in (inputs, cwd, tmp, out):
        d.mkdir(parents=True)
    expected = write_hostile_zips(inputs)
    before = listing(outer)
    watch = [Path("/tmp"), Path("/etc"), Path.home(), HERE.parent]
    watch_before = {str(w): set(os.listdir(w)) for w in watch if w.exists()}
    report_path = out / "report.json"
    env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    cmd = [peers.ORIGINALITY, "check", *[str(inputs / f"{s}.zip") for s in sorted(expected)],
           "--json", str(report_path), "--min-similarity", "0"]
    m = run_measured(cmd, cwd=cwd, env=env, timeout=args.timeout)
    after = listing(outer)
    new = sorted(after - before)
    outside = [p for p in new if not (p.startswith(str(tmp.relative_to(outer)))
                                      or p.startswith(str(out.relative_to(outer))))]
    leftovers = [p for p in new if p.startswith(str(tmp.relative_to(outer)) + "/")]
    watch_new = {w: sorted(set(os.listdir(w)) - s) for w, s in watch_before.items()}
    watch_new = {w: [n for n in v if "evil" in n or n == "x"] for w, v in watch_new.items()}
    print(f"\n## hostile: {len(expected)} archives, exit {m.returncode}, {m.seconds:.1f} s, "
          f"peak {m.peak_mb:.0f} MB{' (TIMEOUT)' if m.timed_out else ''}")
    ok = m.returncode == 0 and not m.timed_out
    got = {}
    if report_path.exists():
        rep = json.loads(report_path.read_text())
        for s in rep.get("submissions", []):
            got[s["id"]] = "ok" if s.get("status") == "ok" else (s.get("error") or {}).get("code", "?")
    else:
        ok = False
        print("  no report written:", m.stderr_tail[-800:])
    for stem in sorted(expected):
        mark = "ok " if got.get(stem) == expected[stem] else "BAD"
        ok &= mark == "ok "
        print(f"  {mark} {stem:<24} expected {expected[stem]:<16} got {got.get(stem, '(missing)')}")
    print(f"  written outside the temp dir: {outside or 'nothing'}")
    print(f"  temp files left behind: {len(leftovers)}")
    print(f"  suspicious new names in {list(watch_new)}: {[n for v in watch_new.values() for n in v] or 'none'}")
    ok &= not outside and not any(watch_new.values())
    save("hostile", {"expected": expected, "got": got, "seconds": m.seconds, "peak_mb": m.peak_mb,
                     "returncode": m.returncode, "outside": outside, "leftovers": len(leftovers)})
    print("  PASS" if ok else "  FAIL")
    if not args.keep:
        import shutil
        shutil.rmtree(outer, ignore_errors=True)
    return 0 if ok else 1


def reported(scores: dict, floor: float) -> dict:
    """The pairs a report lists: from the reporting floor up."""
    return {pair: score for pair, score in scores.items() if score >= floor}


def cmd_service(args: argparse.Namespace) -> int:
    """The service path (the archive, one upload at a time, shuffled) against ``check``."""
    import service_path

    sys.path.insert(0, str(HERE.parent))
    from originality.options import MIN_SIMILARITY

    t0 = time.perf_counter()
    summary = []
    for name in args.datasets.split(","):
        ds = datasets.build(name)
        pairs = ds.evaluated_pairs()
        check: dict = {}
        service: dict = {}
        runs, check_seconds, rejected = [], 0.0, {}
        for cohort in ds.cohorts:
            workdir = datasets.OUT / "runs" / ds.name / cohort.name / "service"
            workdir.mkdir(parents=True, exist_ok=True)
            print(f"  {ds.name}/{cohort.name}: originality check ...", end="", flush=True, file=sys.stderr)
            r = peers.run_tool("originality", cohort, workdir, args.timeout)
            print(f" {r.status} {r.seconds:.1f}s", file=sys.stderr)
            if r.status != "ok":
                print(f"  check failed: {r.note}")
                return 1
            check.update(r.scores)
            check_seconds += r.seconds
            print(f"  {ds.name}/{cohort.name}: archive, {len(cohort.submissions)} uploads "
                  f"(seed {args.seed}, index {args.index}) ...", file=sys.stderr)
            run = service_path.run_cohort(cohort, args.seed + ds.cohorts.index(cohort), args.index,
                                          args.min_similarity, rescore=not args.no_rescore)
            service.update(run.scores)
            runs.append(run)
            rejected.update(run.rejected)
        m_check = metrics.evaluate(ds, check)
        m_service = metrics.evaluate(ds, service)
        # As the two report a pair: from the reporting floor up. The archive scores only its
        # candidates, built to find every pair from 0.3 (archive/postings.py), so below the floor
        # it lists fewer pairs than check scores; that is not a difference in any report.
        m_check_reported = metrics.evaluate(ds, reported(check, MIN_SIMILARITY))
        m_service_reported = metrics.evaluate(ds, reported(service, MIN_SIMILARITY))
        # Before the project went quiet (the last reports not yet scored again).
        before_quiet = {p: score for run in runs for p, score in run.before_quiet.items()}
        m_before_quiet = metrics.evaluate(ds, reported(before_quiet, MIN_SIMILARITY)) if before_quiet else None
        positives = {p for p in pairs if ds.label(p)[0] == 1}
        cmp = service_path.compare(check, service, pairs, positives)
        # The labelled pairs one path lists and the other does not: where the two scores fall on
        # either side of the floor. With each listed at the other path's score too, what is left
        # of the gap is the scores' own difference.
        check_only = [p for p in pairs if check.get(p, 0.0) >= MIN_SIMILARITY > service.get(p, 0.0)]
        service_only = [p for p in pairs if service.get(p, 0.0) >= MIN_SIMILARITY > check.get(p, 0.0)]
        crossing = set(check_only) | set(service_only)
        m_check_listed = metrics.evaluate(ds, reported(check, MIN_SIMILARITY)
                                          | {p: check.get(p, 0.0) for p in crossing})
        m_service_listed = metrics.evaluate(ds, reported(service, MIN_SIMILARITY)
                                            | {p: service.get(p, 0.0) for p in crossing})
        both = [p for p in pairs if p in service and check.get(p, 0.0) >= MIN_SIMILARITY]
        both_diffs = sorted((abs(check[p] - service[p]) for p in both), reverse=True)
        uploads = [t for run in runs for t in run.per_upload]
        row = {
            "dataset": name, "submissions": sum(len(c.submissions) for c in ds.cohorts), "pairs": len(pairs),
            "auc_check": m_check["auc"], "auc_service": m_service["auc"],
            "auc_diff": m_service["auc"] - m_check["auc"],
            "auc_check_reported": m_check_reported["auc"], "auc_service_reported": m_service_reported["auc"],
            "auc_diff_reported": m_service_reported["auc"] - m_check_reported["auc"],
            "auc_diff_before_quiet": m_before_quiet["auc"] - m_check_reported["auc"] if m_before_quiet else None,
            "errors_check_reported": m_check_reported["errors_at_0.5"],
            "errors_service_reported": m_service_reported["errors_at_0.5"],
            "reported_both": len(both), "reported_both_max_diff": both_diffs[0] if both_diffs else 0.0,
            "reported_both_gt_0.01": sum(1 for d in both_diffs if d > 0.01),
            "check_only": len(check_only), "check_only_copies": sum(1 for p in check_only if p in positives),
            "check_only_max": max((check[p] for p in check_only), default=0.0),
            "service_only": len(service_only), "service_only_copies": sum(1 for p in service_only if p in positives),
            "auc_diff_crossing_listed": m_service_listed["auc"] - m_check_listed["auc"],
            "f1_check": m_check["f1"], "f1_service": m_service["f1"],
            "errors_check": m_check["errors_at_0.5"], "errors_service": m_service["errors_at_0.5"],
            **cmp, "service_seconds": sum(run.seconds for run in runs), "check_seconds": check_seconds,
            "upload_mean_s": sum(uploads) / len(uploads) if uploads else 0.0,
            "upload_max_s": max(uploads, default=0.0),
            "own_attempts": sum(run.own_attempts for run in runs), "rejected": rejected,
            # Per set and attack as the two report a pair (from the floor), as the headline.
            "groups_check": m_check_reported.get("groups"), "groups_service": m_service_reported.get("groups"),
        }
        summary.append(row)
        print(f"\n## service path vs check: {name} ({row['submissions']} uploads, {len(pairs)} labelled pairs, "
              f"seed {args.seed}, index {args.index})")
        print(f"  ROC-AUC as reported (from {MIN_SIMILARITY})  check {fmt(row['auc_check_reported'], 4)}  "
              f"service {fmt(row['auc_service_reported'], 4)}  difference {row['auc_diff_reported']:+.4f}  "
              f"({'within' if abs(row['auc_diff_reported']) <= 0.005 else 'OUTSIDE'} 0.005); errors at 0.5 "
              f"check {row['errors_check_reported']}  service {row['errors_service_reported']}")
        if row["auc_diff_before_quiet"] is not None:
            print(f"  before the project went quiet ({sum(run.settled for run in runs)} reports then scored "
                  f"again): difference {row['auc_diff_before_quiet']:+.4f}")
        print(f"  labelled pairs one path lists and the other not: check only {row['check_only']} "
              f"({row['check_only_copies']} copies, check's highest {row['check_only_max']:.4f}), service only "
              f"{row['service_only']} ({row['service_only_copies']} copies); with these listed by both at their "
              f"own scores, difference {row['auc_diff_crossing_listed']:+.4f}")
        print(f"  labelled pairs both report: {row['reported_both']}, largest |difference| "
              f"{row['reported_both_max_diff']:.3f}, {row['reported_both_gt_0.01']} differ by more than 0.01")
        print(f"  ROC-AUC every scored pair  check {fmt(row['auc_check'], 4)}  service {fmt(row['auc_service'], 4)}  "
              f"difference {row['auc_diff']:+.4f}")
        print(f"  best F1  check {fmt(row['f1_check'])}  service {fmt(row['f1_service'])};  errors at 0.5  "
              f"check {row['errors_check']}  service {row['errors_service']}")
        print(f"  per labelled pair: largest |difference| {row['max_abs_diff']:.3f}, "
              f"{row['pairs_diff_gt_0.01']} of {len(pairs)} differ by more than 0.01 (mean {row['mean_abs_diff']:.4f})")
        print(f"  labelled positives scored at all (> 0): check {row['positives_scored_check']}, "
              f"service {row['positives_scored_service']} of {row['positives']}")
        print(f"  candidate recall: of the {row['check_pairs_ge']} pairs check scores >= 0.3, the archive reports "
              f"{fmt(row['recall'], 4)} (labelled ones: {fmt(row['recall_labelled'], 4)} of {row['check_labelled_ge']})"
              f"  (goal >= 0.99)")
        if row["groups_check"]:
            for g in row["groups_check"]:
                print(f"    {g:<22} ROC-AUC as reported check {fmt(row['groups_check'][g]['auc'])}  "
                      f"service {fmt(row['groups_service'][g]['auc'])}")
        print(f"  time: check {row['check_seconds']:.1f} s; archive {row['service_seconds']:.1f} s "
              f"({row['upload_mean_s'] * 1000:.0f} ms per upload, slowest {row['upload_max_s']:.2f} s; "
              f"{sum(run.rescored for run in runs)} young reports scored again)")
        if row["own_attempts"] or rejected:
            print(f"  own attempts listed {row['own_attempts']}; rejected {dict(list(rejected.items())[:5])}")
        if args.verbose:
            print("  largest differences (|d|, pair, check, service):", row["largest"][:5])
            print("  pairs >= 0.3 in check the archive does not report:", row["missed_examples"][:5])
        variant = (f"_seed{args.seed}" if args.seed != 1 else "") + (f"_{args.index}" if args.index != "sql" else "")
        save(f"service_{name}{variant}", {"dataset": name, "seed": args.seed, "index": args.index,
                                 "min_similarity": args.min_similarity, **row,
                                 "scores": [[a, b, check.get((a, b), 0.0), service.get((a, b), 0.0)]
                                            for a, b in pairs]})
    print(f"\nservice benchmark done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """`originality archive add` of a whole generated cohort into an empty archive (SQLite, the
    index in the database), pinned to one core; then the same command again (all already in)."""
    taskset = shutil.which("taskset")
    for n in [int(x) for x in args.students.split(",")]:
        root = COHORTS[args.cohort](n)
        zips = sorted(str(p) for p in (root / "subs").glob("*.zip"))
        with tempfile.TemporaryDirectory(prefix="import-") as data:
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")},
                   "ORIGINALITY_DATA_DIR": data, "ORIGINALITY_INDEX": "sql"}
            cmd = ([taskset, "-c", "0"] if taskset else []) + [
                peers.ORIGINALITY, "archive", "add", *zips, "--project", "bench"]
            first = run_measured(cmd, env=env, timeout=args.timeout)
            again = run_measured(cmd, env=env, timeout=args.timeout)
            size = sum(f.stat().st_size for f in Path(data).rglob("*") if f.is_file())
        ok = first.returncode == 0 and again.returncode == 0
        print(f"## import: {root.name} ({len(zips)} multi-file ZIPs), one core{'' if taskset else ' (no taskset: all cores)'}: "
              f"{first.seconds:.1f} s, {len(zips) / first.seconds:.0f} submissions/s, peak {first.peak_mb:.0f} MB; "
              f"again (all already in): {again.seconds:.1f} s; database {size / 1e6:.0f} MB"
              f"{'' if ok else ' FAILED: ' + (first.stderr_tail or again.stderr_tail)[-300:]}")
        save(f"import_{n}" if args.cohort == "zip" else f"import_{args.cohort}_{n}",
             {"cohort": root.name, "students": n, "seconds": first.seconds, "again_seconds": again.seconds,
              "peak_mb": first.peak_mb, "database_bytes": size, "ok": ok})
    return 0


def same_task_unrelated(ds: datasets.Dataset) -> list[tuple[str, str]]:
    """A labelled set's pairs within one task, labelled or not, that no chain of copies links.

    The labelled unrelated pairs of a real set were picked for review, so they are harder than
    a cohort's typical pair; every pair of the whole set mixes tasks. A labelled pair always
    joins two programs of one task, so the connected parts of the labelled pairs are groups of
    one task; pairs across those groups' copy clusters are a cohort's unrelated pairs."""
    def root(parent: dict[str, str], x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    task: dict[str, str] = {}
    copies: dict[str, str] = {}
    for (a, b), (label, _) in ds.truth.items():
        task[root(task, a)] = root(task, b)
        if label:
            copies[root(copies, a)] = root(copies, b)
    groups: dict[str, list[str]] = {}
    for x in list(task):
        groups.setdefault(root(task, x), []).append(x)
    return [(a, b) for members in groups.values() for a, b in combinations(sorted(members), 2)
            if root(copies, a) != root(copies, b)]


def cmd_realism(args: argparse.Namespace) -> int:
    """How often unrelated pairs score high: each dataset's label-0 pairs (every pair of a
    generated cohort that is no copy, the labelled unrelated pairs of a real set) scored by
    `originality check`, as shares from 0.3 and 0.5, beside ROC-AUC and errors at 0.5. The
    scale cohort is tuned against the real java_pairs' shares, not against the engine's goals.
    A real set also gets a row over its same-task pairs that no copy links
    (``same_task_unrelated``), with the ROC-AUC and errors of its labelled pairs."""
    print(f"{'dataset':<22} {'unrelated':>9} {'>= 0.3':>8} {'>= 0.5':>8} {'max':>5} {'copies':>6} "
          f"{'ROC-AUC':>7} {'fp@0.5':>6} {'miss@0.5':>8} {'check s':>7}")
    for name in args.datasets.split(","):
        ds = datasets.build(name)
        scores: dict[tuple[str, str], float] = {}
        seconds = 0.0
        for cohort in ds.cohorts:
            r = peers.run_tool("originality", cohort, datasets.OUT / "runs" / ds.name / cohort.name / "realism",
                               args.timeout)
            if r.status != "ok":
                print(f"{name}: originality {r.status}: {r.note}", file=sys.stderr)
                return 1
            scores.update(r.scores)
            seconds += r.seconds
        ev = metrics.evaluate(ds, scores)
        samples = {name: [p for p in ds.evaluated_pairs() if ds.label(p)[0] == 0]}
        if not ds.all_pairs:
            samples[f"{name} same task"] = same_task_unrelated(ds)
        for label, pairs in samples.items():
            unrelated = [scores.get(p, 0.0) for p in pairs]
            row = {"dataset": label, "unrelated": len(unrelated),
                   "share_0.3": sum(s >= 0.3 for s in unrelated) / len(unrelated),
                   "share_0.5": sum(s >= 0.5 for s in unrelated) / len(unrelated),
                   "max_unrelated": max(unrelated), "positives": ev["positives"], "auc": ev["auc"],
                   "fp_at_0.5": ev["fp_at_0.5"], "missed_at_0.5": ev["missed_at_0.5"], "seconds": seconds}
            print(f"{label:<22} {row['unrelated']:>9} {row['share_0.3']:>8.4f} {row['share_0.5']:>8.4f} "
                  f"{row['max_unrelated']:>5.2f} {row['positives']:>6} {row['auc']:>7.4f} {row['fp_at_0.5']:>6} "
                  f"{row['missed_at_0.5']:>8} {seconds:>7.1f}")
            save(f"realism_{label.replace(' ', '_')}", row)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("detection", help="ROC-AUC / best F1 / time / memory on every dataset")
    d.add_argument("--datasets", default=",".join(DETECTION_DATASETS))
    d.add_argument("--tools", default=",".join(peers.TOOLS))
    d.add_argument("--timeout", type=float, default=1800, help="per tool and cohort, seconds")
    d.add_argument("-v", "--verbose", action="store_true", help="list our worst-scored pairs")
    s = sub.add_parser("speed", help="time and memory on large ZIP cohorts with starter code")
    s.add_argument("--students", default="300,2000")
    s.add_argument("--tools", default=",".join(peers.TOOLS))
    s.add_argument("--timeout", type=float, default=3600)
    s.add_argument("--copydetect-max", type=int, default=500)
    s.add_argument("--cohort", choices=sorted(COHORTS), default="zip",
                   help="generated cohort: zip (the detection figures') or scale (independent students "
                        "share short idioms only)")
    h = sub.add_parser("hostile", help="hostile archives: rejected with the right code, nothing escapes")
    h.add_argument("--timeout", type=float, default=600)
    h.add_argument("--keep", action="store_true", help="keep the temp dir")
    v = sub.add_parser("service", help="the archive one upload at a time (shuffled) vs check, same pairs")
    v.add_argument("--datasets", default=",".join(REAL_DATASETS))
    v.add_argument("--seed", type=int, default=1, help="upload order (cohort k uses seed + k)")
    v.add_argument("--index", choices=["sql", "memory"], default="sql", help="the archive's candidate index")
    v.add_argument("--min-similarity", type=float, default=0.0,
                   help="the archive's reporting floor (the service's default is 0.1; check runs at 0)")
    v.add_argument("--timeout", type=float, default=1800)
    v.add_argument("-v", "--verbose", action="store_true", help="list the largest differences")
    v.add_argument("--no-rescore", action="store_true",
                   help="leave every report as first scored (the worker scores a young project's again)")
    i = sub.add_parser("import", help="`archive add` of a generated cohort: submissions a second on one core")
    i.add_argument("--students", default="300,2000")
    i.add_argument("--timeout", type=float, default=3600)
    i.add_argument("--cohort", choices=sorted(COHORTS), default="zip", help="generated cohort, as for speed")
    r = sub.add_parser("realism", help="shares of unrelated pairs from 0.3 and 0.5, generated cohorts vs a real set")
    r.add_argument("--datasets", default="scale_cohort_300,zip_cohort_300,java_pairs")
    r.add_argument("--timeout", type=float, default=1800)
    args = p.parse_args(argv)
    return {"detection": cmd_detection, "speed": cmd_speed, "hostile": cmd_hostile,
            "service": cmd_service, "import": cmd_import, "realism": cmd_realism}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
