"""One upload's archive check against a project of a million prior entries (issue 13).

    .venv/bin/python benchmarks/million_check.py --entries 1000000 [--students 2000] [--checks 20]
        [--profile] [--redis 10000] [--cohort scale] [--keep DIR: build there, or reuse what is there]

What is real: the generated multi-file Python cohort of ``--students`` (archive_check.py's, with
starter code and 5% disguised copies; ``--cohort scale``: the scale cohort, whose independent
students share short idioms only) is imported normally (``Archive.import_batch``, SQLite, the
candidate index in the database), less ``--checks`` held-back submissions that each have a copy
source among the imported ones. Those are the only entries with units (full text).

What is synthetic: entries written directly, up to ``--entries`` in all, as "signatures and
statistics only" (a million full imports would take hours and about 100 GB). Each resamples a
real entry (its template, drawn at random): it keeps the template's long k-grams and bag
features that at least ``IDIOM`` independent real groups share (the task's idioms, which every
cohort writes again: their posting lists and counts grow with the archive, as they would) and
replaces the rest by fresh random 64-bit hashes, its own (what a student writes alone). It has
the rows a check can read: ``submissions``, ``archive_entries`` (the template's MinHash, an
empty prose sketch for code; its own ``own_long``, group, ``long_sketch``, and its profile's
random content key, which places it in the background's sample as a real entry's would), the template's
``lsh_buckets`` rows under its own id (what the product stages for that sketch), 32 random
``near_duplicate_keys``, its posted long k-grams in ``long_postings`` (idioms kept, the others
fresh and sampled like the product's: low two bits zero; not its other k-grams, in
``unsampled_postings``, which only an upload with under ``postings.SMALL`` long k-grams reads and
none checked here has: their size per entry is the real import's), its profile in ``entry_profiles_v2``
(the template's, idioms kept and every other feature fresh, as many: what a check scores a
candidate by), and the project's statistics: one more group each, the kept idioms' counts (bag
and long) raised by one per synthetic entry, and a count of 1 for each fresh posted k-gram. Not
written: units and documents (no full text), and counts of 1 for its fresh bag features and
fresh unposted long k-grams (a check reads only the counts of the upload's features and those
near the common-code threshold, so such rows change no check; their size is that of the real
entries' rows, stated per entry below).

The check's reading of its candidates' profiles is wrapped to count the synthetic ids among
them (false candidates). A synthetic entry that scored high enough to be aligned would load as
no units (no fragments); its score comes from its profile as a real entry's does.
Printed: the check's wall and CPU median and 95th percentile, whether each copy's source is its
top match, candidates per check (real and synthetic), the candidate recall against exact
scoring (every real entry a candidate) for the pairs from 0.3, the build times, and the database
per entry and per table (SQLite's dbstat). ``--redis N`` also loads N entries' MinHashes into
a redis-server of its own through ``RedisIndex`` and prints its ``used_memory`` per entry, for
code entries (the real entries' sketches) and for prose entries (non-empty sketches).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Iterator

import numpy as np
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
from archive_check import partners  # noqa: E402

from originality.archive import Archive, PastSubmission, compare, postings, profiles, stats  # noqa: E402
from originality.check import load_submission  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.profile import Profile  # noqa: E402
from originality.store.models import ArchiveEntry  # noqa: E402
from originality.store.settings import Settings  # noqa: E402

PROJECT = "bench"
# A feature that at least this many independent real groups hold is an idiom of the task.
IDIOM = 3
CHUNK = 20_000
SYNTHETIC = "syn"


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def import_real(archive: Archive, root: Path, zips: dict[str, Path], held: list[str]) -> int:
    datasets.set_starter(archive, root, PROJECT)
    items = [PastSubmission(path, sid, sid, 1, None) for sid, path in zips.items() if sid not in held]
    for start in range(0, len(items), 100):
        archive.import_batch(PROJECT, items[start:start + 100])
    return len(items)


def signed(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.uint64).view(np.int64)


def add_synthetic(archive: Archive, db: Path, total: int, seed: int, idiom: int) -> int:
    """Write synthetic entries until the project has ``total``; returns how many. They keep
    the features that ``idiom`` real groups share (none when 0)."""
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA cache_size = -1000000")  # 1 GB: the build's writes, not the checks'
    connection.execute("PRAGMA synchronous = OFF")
    real = [r[0] for r in connection.execute(
        "SELECT submission_id FROM archive_entries WHERE project_id = ? ORDER BY seq", (PROJECT,))]
    count = total - len(real)
    if count <= 0:
        return 0
    rng = np.random.default_rng(seed)
    # The real counts tell the idioms; each real entry's features come from its units.
    idioms = {space: set() for space in (stats.BAG, stats.LONG)}
    for space, feature, n in connection.execute(
            "SELECT space, feature, n FROM feature_counts WHERE project_id = ? AND space IN (?, ?)",
            (PROJECT, stats.BAG, stats.LONG)):
        if idiom and n >= idiom:
            idioms[space].add(feature)
    idiom_arrays = {space: np.array(sorted(found), dtype=np.int64) for space, found in idioms.items()}
    posted: dict[str, list[int]] = {sid: [] for sid in real}
    for sid, feature in connection.execute("SELECT e.submission_id, p.feature FROM long_postings p "
                                           "JOIN archive_entries e ON e.seq = p.seq WHERE p.project_id = ?",
                                           (PROJECT,)):
        posted[sid].append(feature)
    with archive.db.sessions() as session:
        real_profiles = profiles.read(session, real)
    kept: dict[int, list[np.ndarray]] = {stats.BAG: [], stats.LONG: []}
    kept_posted, fresh_posted = [], []
    for sid in real:
        features = stats.EntryFeatures.of_profile(real_profiles[sid])
        kept[stats.BAG].append(np.intersect1d(signed(features.bag), idiom_arrays[stats.BAG]))
        kept[stats.LONG].append(np.intersect1d(signed(features.long), idiom_arrays[stats.LONG]))
        own = np.array(posted[sid], dtype=np.int64)
        keep = np.isin(own, idiom_arrays[stats.LONG])
        kept_posted.append(own[keep])
        fresh_posted.append(int((~keep).sum()))
    columns = {table: [r[1] for r in connection.execute(f"PRAGMA table_info({table})")]
               for table in ("submissions", "archive_entries", "lsh_buckets")}
    template_rows = {table: {} for table in columns}
    for table, key in (("submissions", "id"), ("archive_entries", "submission_id"),
                       ("lsh_buckets", "submission_id")):
        for row in connection.execute(f"SELECT * FROM {table} WHERE {key} IN "
                                      "(SELECT submission_id FROM archive_entries WHERE project_id = ?)",
                                      (PROJECT,)):
            template_rows[table].setdefault(row[columns[table].index(key)], []).append(row)
    entry_columns = [c for c in columns["archive_entries"] if c != "seq"]

    templates = rng.integers(len(real), size=count)
    resampler = Resampler(idiom_arrays)
    # The idioms' counts: raised once per synthetic entry holding them (each is its own group).
    uses = np.bincount(templates, minlength=len(real))
    for space, parts in kept.items():
        features = np.concatenate(parts)
        weights = np.repeat(uses, [len(p) for p in parts])
        values, where = np.unique(features, return_inverse=True)
        raised = np.zeros(len(values), dtype=np.int64)
        np.add.at(raised, where, weights)
        connection.executemany(stats.UPSERT.format("?"), ((PROJECT, space, int(f), int(n))
                                                          for f, n in zip(values, raised) if n))
    connection.execute("UPDATE project_statistics SET groups = groups + ? WHERE project_id = ?",
                       (count, PROJECT))
    connection.commit()
    # A mask keeps a fresh k-gram in the posted sample (postings.SAMPLE = 4: low two bits zero).
    mask = np.int64(~(postings.SAMPLE - 1))
    for start in range(0, count, CHUNK):
        chunk = templates[start:start + CHUNK]
        ids = [f"{SYNTHETIC}{start + i:029d}" for i in range(len(chunk))]
        submissions, entries, buckets, keys, rows, fresh, profile_rows = [], [], [], [], [], [], []
        for sid, t in zip(ids, chunk.tolist()):
            template = real[t]
            row = list(template_rows["submissions"][template][0])
            for name, value in (("id", sid), ("student_id", sid), ("name", sid), ("sha256", sid * 2)):
                row[columns["submissions"].index(name)] = value
            submissions.append(row)
            new = rng.integers(-2**63, 2**63 - 1, size=fresh_posted[t], dtype=np.int64) & mask
            profile = resampler.profile(t, real_profiles[template], new, rng)
            entry = dict(zip(columns["archive_entries"], template_rows["archive_entries"][template][0]))
            entry.update(submission_id=sid, student_id=sid, stats_group=sid, content_key=profile.key,
                         long_sketch=rng.integers(0, 2**32, size=stats.BANDS * stats.ROWS,
                                                  dtype=np.uint32).astype("<u4").tobytes())
            entries.append([entry[c] for c in entry_columns])
            at = columns["lsh_buckets"].index("submission_id")
            buckets.extend(r[:at] + (sid,) + r[at + 1:] for r in template_rows["lsh_buckets"].get(template, []))
            keys.extend((PROJECT, int(k), sid) for k in rng.integers(-2**63, 2**63 - 1, size=stats.BANDS,
                                                                     dtype=np.int64))
            fresh.append(new)
            rows.append((sid, np.concatenate([kept_posted[t], new])))
            profile_rows.append((sid, profile.to_bytes()))
        connection.executemany(f"INSERT INTO submissions ({','.join(columns['submissions'])}) "
                               f"VALUES ({','.join('?' * len(columns['submissions']))})", submissions)
        connection.executemany(f"INSERT INTO archive_entries ({','.join(entry_columns)}) "
                               f"VALUES ({','.join('?' * len(entry_columns))})", entries)
        if buckets:
            connection.executemany(f"INSERT INTO lsh_buckets ({','.join(columns['lsh_buckets'])}) "
                                   f"VALUES ({','.join('?' * len(columns['lsh_buckets']))})", buckets)
        connection.executemany(f"INSERT INTO {profiles.TABLE} (submission_id, data) VALUES (?, ?)", profile_rows)
        connection.executemany("INSERT INTO near_duplicate_keys (project_id, key, submission_id) "
                                "VALUES (?, ?, ?)", keys)
        # Postings name their entry by its seq, given by the insert above.
        seqs = dict(connection.execute("SELECT submission_id, seq FROM archive_entries "
                                       "WHERE submission_id BETWEEN ? AND ?", (ids[0], ids[-1])))
        connection.executemany(postings.INSERT.format(table=postings.SAMPLED).format("?"),
                               sorted(((PROJECT, int(f), seqs[sid]) for sid, features in rows for f in features),
                                      key=lambda r: r[1]))
        counted = np.sort(np.concatenate(fresh))
        connection.executemany(stats.UPSERT.format("?"),
                               ((PROJECT, stats.LONG, int(f), 1) for f in counted))
        connection.commit()
        print(f"  synthetic {start + len(chunk)}/{count}", file=sys.stderr, flush=True)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()
    return count


class Resampler:
    """Synthetic entries' profiles (what a check reads of a candidate): a template's, its idioms
    kept and every other feature a fresh random one, as many as the template has; the fresh
    long k-grams include the entry's fresh posted ones. What a template keeps is found once."""

    def __init__(self, idioms: dict[int, np.ndarray]) -> None:
        self.idioms = idioms
        self._kept: dict[int, tuple] = {}

    def _of(self, t: int, template: Profile) -> tuple:
        found = self._kept.get(t)
        if found is None:
            bag_kept = np.isin(signed(template.bag), self.idioms[stats.BAG])
            longs = [np.isin(signed(h), self.idioms[stats.LONG]) for h in (template.long, template.pruned, template.unpruned)]
            found = self._kept[t] = (
                template.bag[bag_kept], template.bag_counts[bag_kept], template.bag_counts[~bag_kept],
                [(h[k], int((~k).sum())) for h, k in zip((template.long, template.pruned, template.unpruned), longs)])
        return found

    def profile(self, t: int, template: Profile, posted: np.ndarray, rng: np.random.Generator) -> Profile:
        def fresh(count: int) -> np.ndarray:
            return rng.integers(0, 2**63, size=count, dtype=np.int64).astype(np.uint64)

        bag_kept, counts_kept, counts_fresh, longs = self._of(t, template)
        bag = np.concatenate([bag_kept, fresh(len(counts_fresh))])
        counts = np.concatenate([counts_kept, counts_fresh])
        order = np.argsort(bag)
        missing = longs[0][1]
        # Not posted: low two bits not both zero.
        own = np.concatenate([posted.view(np.uint64), fresh(max(0, missing - len(posted))) | np.uint64(1)])
        long, pruned, unpruned = (np.unique(np.concatenate([kept, own[:count]])) for kept, count in longs)
        return Profile.made(bag[order], counts[order], long, pruned, unpruned, template.code_tokens,
                            template.all_tokens, rng.bytes(16))


@contextlib.contextmanager
def every_real_entry_a_candidate(real: dict[str, int]) -> Iterator[None]:
    """Exact scoring: the candidate stage returns every real entry (id -> seq)."""
    original = postings.candidates
    postings.candidates = lambda *args, **kwargs: dict(real)  # type: ignore[assignment]
    try:
        yield
    finally:
        postings.candidates = original  # type: ignore[assignment]


def table_sizes(db: Path) -> dict[str, int]:
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        owners = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master"))
    finally:
        connection.close()
    sizes: dict[str, int] = {}
    for name, size in rows:
        table = owners.get(name, name)
        sizes[table] = sizes.get(table, 0) + int(size)
    return sizes


def redis_memory(archive: Archive, n: int) -> None:
    """used_memory per entry of n entries' MinHashes in a redis-server of our own."""
    import shutil

    import redis

    from originality.store.index import RedisIndex
    sys.path.insert(0, str(HERE.parent / "tests"))
    from servers import free_port

    with archive.db.sessions() as session:
        code = [m for m in session.scalars(select(ArchiveEntry.minhash).filter_by(project_id=PROJECT)
                                           .where(~ArchiveEntry.submission_id.like(f"{SYNTHETIC}%")))]
    rng = np.random.default_rng(7)
    prose = [rng.integers(0, 2**32, size=archive.index.num_perm, dtype=np.uint32).astype("<u4").tobytes()
             for _ in range(n)]
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is not installed (make test installs it)"
    with tempfile.TemporaryDirectory(prefix="million-redis-") as workdir:
        port = free_port()
        server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", workdir],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = redis.Redis(port=port)
            for _ in range(100):
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        break
                time.sleep(0.05)
            for label, sketches in (("code (the real entries' sketches)", code), ("prose (non-empty sketches)", prose)):
                index = RedisIndex(f"redis://127.0.0.1:{port}", archive.index.bands, archive.index.num_perm,
                                   archive.index.seed)
                client.flushall()
                before = int(client.info("memory")["used_memory"])
                index.insert_missing(label[:4], [(f"{i:032d}", sketches[i % len(sketches)]) for i in range(n)])
                after = int(client.info("memory")["used_memory"])
                index.close()
                print(f"Redis, {n} {label}: used_memory {(after - before) / 1e6:.1f} MB, "
                      f"{(after - before) / n:.0f} bytes an entry")
            client.close()
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="prior entries in all")
    parser.add_argument("--students", type=int, default=2000, help="the real cohort's size")
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--idiom", type=int, default=IDIOM,
                        help="synthetic entries keep the features this many real groups share (0: none, "
                             "a control with no false candidates)")
    parser.add_argument("--profile", action="store_true", help="print the checks' hottest functions")
    parser.add_argument("--redis", type=int, default=0, metavar="N",
                        help="also state Redis memory per entry with N entries")
    parser.add_argument("--keep", type=Path, help="build the archive in this folder and keep it (a folder "
                        "that holds one already is reused: the same arguments)")
    parser.add_argument("--cohort", choices=["zip", "scale"], default="zip",
                        help="the real part: zip (datasets.build_zip_cohort) or scale (build_scale_cohort)")
    args = parser.parse_args()

    build = datasets.build_scale_cohort if args.cohort == "scale" else datasets.build_zip_cohort
    root = build(args.students)
    zips = {p.stem: p for p in sorted((root / "subs").glob("*.zip"))}
    copies = partners(root)
    held = sorted(random.Random(args.seed).sample(sorted(copies), min(args.checks, len(copies))))
    held = [sid for sid in held if copies[sid] - set(held)][: args.checks]
    with contextlib.ExitStack() as stack:
        data = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="million-check-")))
        data.mkdir(parents=True, exist_ok=True)
        settings = Settings(data_dir=data, index="sql")
        archive = Archive.open(settings)
        stack.callback(archive.close)
        db = data / "originality.db"
        with archive.db.sessions() as session:
            kept = dict(session.execute(select(ArchiveEntry.submission_id.like(f"{SYNTHETIC}%"),
                                               func.count(ArchiveEntry.seq)).filter_by(project_id=PROJECT)
                                        .group_by(ArchiveEntry.submission_id.like(f"{SYNTHETIC}%"))).all())
        if kept:  # an archive ``--keep`` built before, with the same arguments
            n_real, n_synthetic = kept.get(False, 0), kept.get(True, 0)
            print(f"reused: {n_real} real entries, {n_synthetic} synthetic", flush=True)
        else:
            began = time.perf_counter()
            n_real = import_real(archive, root, zips, held)
            imported = time.perf_counter() - began
            began = time.perf_counter()
            n_synthetic = add_synthetic(archive, db, args.entries, args.seed, args.idiom)
            written = time.perf_counter() - began
            print(f"built: {n_real} real entries imported in {imported:.0f} s, {n_synthetic} synthetic "
                  f"written in {written:.0f} s", flush=True)

        asked: list[list[str]] = []
        original_profiles = compare.profiles

        def read(session, ids):  # type: ignore[no-untyped-def]
            asked.append(list(ids))
            return original_profiles.read(session, ids)

        compare.profiles = types.SimpleNamespace(read=read)  # type: ignore[assignment]
        uploads = {sid: load_submission(zips[sid], archive.options_for(PROJECT), SymbolTable(), identifier=sid)
                   for sid in held}
        archive.compare(uploads[held[0]], PROJECT, None)  # warms the caches, as a worker's are
        seconds, cpu, tops, real_found, false_found, contexts = [], [], [], [], [], {}
        profile = cProfile.Profile()
        for sid in held:
            asked.clear()
            began, began_cpu = time.perf_counter(), time.process_time()
            if args.profile:
                profile.enable()
            report = archive.compare(uploads[sid], PROJECT, None)
            if args.profile:
                profile.disable()
            seconds.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            tops.append(bool(report["matches"]) and report["matches"][0]["name"] in copies[sid])
            context = {i for ids in asked for i in ids}
            contexts[sid] = context
            false_found.append(sum(1 for i in context if i.startswith(SYNTHETIC)))
            real_found.append(len(context) - false_found[-1])
        with archive.db.sessions() as session:
            real = dict(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.seq)
                                        .filter_by(project_id=PROJECT)
                                        .where(~ArchiveEntry.submission_id.like(f"{SYNTHETIC}%"))).all())
        wanted = found = 0
        with every_real_entry_a_candidate(real):
            for sid in held:
                exact = archive.compare(uploads[sid], PROJECT, None)
                strong = {m["submission_id"] for m in exact["matches"] + exact["own_attempts"]
                          if m["similarity"] >= 0.3}
                wanted += len(strong)
                found += len(strong & contexts[sid])
        compare.profiles = original_profiles  # type: ignore[assignment]
        sizes = table_sizes(db)
        total = db.stat().st_size
        entries = n_real + n_synthetic
        if args.redis:
            redis_memory(archive, args.redis)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"archive of {entries} entries ({n_real} real, {n_synthetic} synthetic): check median "
          f"{statistics.median(seconds):.3f} s, p95 {p95(seconds):.3f} s over {len(seconds)} checks "
          f"(CPU median {statistics.median(cpu):.3f} s, p95 {p95(cpu):.3f} s); top match the copy's "
          f"source {sum(tops)}/{len(tops)}; candidates a check: real median {statistics.median(real_found):.0f} "
          f"(max {max(real_found)}), synthetic (false) median {statistics.median(false_found):.0f} "
          f"(max {max(false_found)}); recall of the real pairs from 0.3: {found}/{wanted}"
          f"{f' = {found / wanted:.4f}' if wanted else ''}; peak {peak:.0f} MB")
    print(f"database {total / 1e9:.2f} GB, {total / entries:.0f} bytes an entry; by table "
          "(bytes an entry of all entries; units and documents are the real entries' alone):")
    for table, size in sorted(sizes.items(), key=lambda x: -x[1]):
        if size > 1e6:
            per = n_real if table in ("units", "documents") else entries
            print(f"  {table}: {size / 1e6:.0f} MB, {size / per:.0f} bytes an entry")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
