"""Benchmark datasets: generators that write cohorts to disk, and a loader.

Every dataset is a folder with ``meta.json`` (its cohorts: submission folder, optional
``base/`` starter code, language), ``truth.csv`` (``a,b,label,kind``; 1 = plagiarism) and
the submissions (a directory or a ``.zip`` each; id = name without ``.zip``). Tools are run
per cohort; pairs across cohorts are never compared. When ``all_pairs`` is true, every pair
in a cohort that truth.csv does not list is a negative (label 0); otherwise only the listed
pairs are evaluated. Generation is deterministic for a given seed.

    java_pairs            real Java programs (SOCO + ConPlag), labelled pairs, dev/holdout split
    templated_java        6 intro exercises x 40 students, starter skeletons, disguised copies
    prose_answers         5 questions: cut / light / heavy revisions of a source, and non
    obfuscated_multifile  multi-file Python programs, copies renamed, moved, split, reordered
    zip_cohort(n, seed)   gradebook assignment as ZIPs with starter code, ~5 % disguised copies
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
import zipfile
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
JAVA_PAIRS_SRC = Path("/work/shared/data/java-pairs")
GENERATOR_VERSION = 8  # bump when generated content changes, to invalidate cached cohorts
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Cohort:
    """Submissions compared with each other (and, if given, the starter code)."""

    name: str
    submissions: tuple[Path, ...]
    base: Path | None
    language: str  # "java" | "python" | "text"

    @property
    def ids(self) -> list[str]:
        return [sub_id(p) for p in self.submissions]


@dataclass(frozen=True)
class Dataset:
    name: str
    root: Path
    cohorts: tuple[Cohort, ...]
    truth: dict[tuple[str, str], tuple[int, str]]  # sorted (a, b) -> (label, kind)
    all_pairs: bool

    def evaluated_pairs(self) -> list[tuple[str, str]]:
        """The pairs whose scores are evaluated (truth pairs, or all pairs in each cohort)."""
        if not self.all_pairs:
            return sorted(self.truth)
        out: list[tuple[str, str]] = []
        for c in self.cohorts:
            out += [key(a, b) for a, b in combinations(sorted(c.ids), 2)]
        return out

    def label(self, pair: tuple[str, str]) -> tuple[int, str]:
        return self.truth.get(pair, (0, "independent"))


def sub_id(path: Path) -> str:
    return path.name[:-4] if path.name.endswith(".zip") else path.name


def key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def split_of(pair: tuple[str, str]) -> str:
    """Deterministic dev/holdout half for a labelled pair."""
    digest = hashlib.sha256(f"{pair[0]},{pair[1]}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "holdout"


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------

def write_dir(path: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return path


def write_zip(path: Path, files: dict[str, str | bytes], prefix: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            content = files[rel]
            info = zipfile.ZipInfo(prefix + rel, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return path


def write_meta(root: Path, name: str, cohorts: list[dict], truth: list[tuple[str, str, int, str]],
               all_pairs: bool, params: dict) -> None:
    (root / "meta.json").write_text(json.dumps(
        {"name": name, "all_pairs": all_pairs, "cohorts": cohorts, "params": params,
         "version": GENERATOR_VERSION}, indent=1) + "\n")
    with open(root / "truth.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "label", "kind"])
        for a, b, label, kind in sorted(truth):
            w.writerow([a, b, label, kind])


def fresh(root: Path, params: dict) -> bool:
    """True if ``root`` already holds this dataset, generated with these parameters."""
    meta = root / "meta.json"
    if not meta.exists():
        return False
    m = json.loads(meta.read_text())
    return m.get("params") == params and m.get("version") == GENERATOR_VERSION


def reset(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)


def load(root: Path) -> Dataset:
    m = json.loads((root / "meta.json").read_text())
    cohorts = []
    for c in m["cohorts"]:
        sub_dir = root / c["dir"]
        subs = tuple(sorted(sub_dir.iterdir(), key=lambda p: p.name))
        cohorts.append(Cohort(c["name"], subs, root / c["base"] if c.get("base") else None, c["language"]))
    truth: dict[tuple[str, str], tuple[int, str]] = {}
    with open(root / "truth.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            truth[key(row["a"], row["b"])] = (int(row["label"]), row.get("kind") or "")
    return Dataset(m["name"], root, tuple(cohorts), truth, bool(m["all_pairs"]))


# ---------------------------------------------------------------------------------------
# a. java_pairs
# ---------------------------------------------------------------------------------------

def build_java_pairs(out: Path = OUT) -> Path:
    root = out / "java_pairs"
    params = {"source": str(JAVA_PAIRS_SRC)}
    if fresh(root, params):
        return root
    reset(root)
    for f in sorted((JAVA_PAIRS_SRC / "java").glob("*.java")):
        d = root / "subs" / f.stem
        d.mkdir(parents=True)
        shutil.copyfile(f, d / f.name)
    truth = []
    present = {p.name for p in (root / "subs").iterdir()}
    with open(JAVA_PAIRS_SRC / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = key(row["sub1"], row["sub2"])
            if a not in present or b not in present:
                continue  # one listed pair names a file the set does not contain
            label = int(row["veredict"])
            truth.append((a, b, label, split_of((a, b))))
    write_meta(root, "java_pairs", [{"name": "java", "dir": "subs", "base": None, "language": "java"}],
               truth, all_pairs=False, params=params)
    return root


# ---------------------------------------------------------------------------------------
# b. templated_java
# ---------------------------------------------------------------------------------------

def build_templated_java(out: Path = OUT, seed: int = 7, students: int = 40, copiers: int = 8) -> Path:
    import gen_java

    root = out / "templated_java"
    params = {"seed": seed, "students": students, "copiers": copiers}
    if fresh(root, params):
        return root
    reset(root)
    rng = random.Random(seed)
    cohorts, truth = [], []
    for ex in gen_java.EXERCISES:
        name = ex.cls.lower()
        (root / name / "base").mkdir(parents=True)
        (root / name / "base" / f"{ex.cls}.java").write_text(gen_java.skeleton(ex))
        indep = [gen_java.draw_student(ex, rng) for _ in range(students - copiers)]
        people: list[tuple[gen_java.Student, int, int]] = [(s, i, -1) for i, s in enumerate(indep)]  # (student, cluster, strength)
        for _ in range(copiers):
            src = rng.randrange(len(indep))
            strength = rng.choice([0, 1, 2, 2, 3, 3])
            people.append((gen_java.disguise(ex, indep[src], rng, strength), src, strength))
        order = list(range(len(people)))
        rng.shuffle(order)
        ids = {}
        for pos, idx in enumerate(order):
            sid = f"{name}_{pos:02d}"
            ids[idx] = sid
            st = people[idx][0]
            write_dir(root / name / "subs" / sid, {f"{ex.cls}.java": gen_java.render(ex, st, rng.randrange(1 << 30))})
        for i, j in combinations(range(len(people)), 2):
            (_, ci, si), (_, cj, sj) = people[i], people[j]
            a, b = key(ids[i], ids[j])
            if ci == cj:
                kind = f"copy-s{max(si, sj)}" if min(si, sj) == -1 else "copy-sibling"
                truth.append((a, b, 1, kind))
            else:
                truth.append((a, b, 0, "independent"))
        cohorts.append({"name": name, "dir": f"{name}/subs", "base": f"{name}/base", "language": "java"})
    write_meta(root, "templated_java", cohorts, truth, all_pairs=False, params=params)
    return root


# ---------------------------------------------------------------------------------------
# c. prose_answers
# ---------------------------------------------------------------------------------------

def docx_bytes(title: str, text: str) -> bytes:
    """A .docx with a heading and the answer's paragraphs, byte-for-byte deterministic."""
    import datetime

    import docx

    d = docx.Document()
    fixed = datetime.datetime(2024, 1, 1)
    d.core_properties.created = fixed
    d.core_properties.modified = fixed
    d.core_properties.author = "student"
    d.add_heading(title, level=1)
    for para in text.strip().split("\n\n"):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    # rewrite the package with fixed timestamps so the bytes do not depend on the clock
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, src.read(info.filename))
    return out.getvalue()


def build_prose_answers(out: Path = OUT, seed: int = 11,
                        per_topic: dict[str, int] | None = None) -> Path:
    import gen_prose
    from prose_texts import TOPICS

    per_topic = per_topic or {"cut": 4, "light": 4, "heavy": 5, "non": 7}
    root = out / "prose_answers"
    params = {"seed": seed, "per_topic": per_topic}
    if fresh(root, params):
        return root
    reset(root)
    rng = random.Random(seed)
    truth = []
    for topic in TOPICS:
        src_id = f"{topic}_source"
        write_dir(root / "subs" / src_id, {"source.txt": gen_prose.source_text(topic)})
        kinds = [k for k, n in per_topic.items() for _ in range(n)]
        rng.shuffle(kinds)
        for k, kind in enumerate(kinds):
            sid = f"{topic}_{k:02d}"
            text = gen_prose.answer(topic, kind, rng)
            fmt = rng.choices(["txt", "md", "docx"], weights=[70, 15, 15])[0]
            question = str(TOPICS[topic]["question"])
            if fmt == "txt":
                files: dict[str, str | bytes] = {"answer.txt": text}
            elif fmt == "md":
                files = {"answer.md": f"# {question}\n\n{text}"}
            else:
                files = {"answer.docx": docx_bytes(question, text)}
            write_dir(root / "subs" / sid, files)
            a, b = key(sid, src_id)
            truth.append((a, b, 0 if kind == "non" else 1, kind))
    write_meta(root, "prose_answers", [{"name": "prose", "dir": "subs", "base": None, "language": "text"}],
               truth, all_pairs=False, params=params)
    return root


# ---------------------------------------------------------------------------------------
# d. obfuscated_multifile
# ---------------------------------------------------------------------------------------

def build_obfuscated_multifile(out: Path = OUT, seed: int = 23, independent: int = 26, copies: int = 14) -> Path:
    import gen_python as gp

    root = out / "obfuscated_multifile"
    params = {"seed": seed, "independent": independent, "copies": copies}
    if fresh(root, params):
        return root
    reset(root)
    rng = random.Random(seed)
    indep = [gp.draw_py_student(rng, n_modules=(2, 5), required=False, n_tasks=(7, 11)) for _ in range(independent)]
    people = [(s, i, "") for i, s in enumerate(indep)]
    for _ in range(copies):
        src = rng.randrange(independent)
        partial = rng.choice([0.0, 0.0, 0.15, 0.3])
        st = gp.disguise_py(indep[src], rng, 2, partial=partial, move_files=True)
        st.rename_api = rng.random() < 0.7
        people.append((st, src, f"obfuscated{'-partial' if partial else ''}"))
    order = list(range(len(people)))
    rng.shuffle(order)
    ids = {}
    for pos, idx in enumerate(order):
        sid = f"prog_{pos:02d}"
        ids[idx] = sid
        files = gp.render_student(people[idx][0], standalone=True)
        write_zip(root / "subs" / f"{sid}.zip", files)
    truth = []
    for i, j in combinations(range(len(people)), 2):
        (_, ci, ki), (_, cj, kj) = people[i], people[j]
        a, b = key(ids[i], ids[j])
        truth.append((a, b, 1, ki or kj or "copy") if ci == cj else (a, b, 0, "independent"))
    write_meta(root, "obfuscated_multifile", [{"name": "programs", "dir": "subs", "base": None, "language": "python"}],
               truth, all_pairs=False, params=params)
    return root


# ---------------------------------------------------------------------------------------
# e. zip_cohort
# ---------------------------------------------------------------------------------------

def build_zip_cohort(n_students: int, seed: int = 5, out: Path = OUT, copy_rate: float = 0.05) -> Path:
    import gen_python as gp

    root = out / f"zip_cohort_{n_students}"
    params = {"n": n_students, "seed": seed, "copy_rate": copy_rate}
    if fresh(root, params):
        return root
    reset(root)
    rng = random.Random(seed)
    write_dir(root / "base", dict(gp.BASE_FILES))
    n_copy = max(1, round(n_students * copy_rate))
    indep = [gp.draw_py_student(rng) for _ in range(n_students - n_copy)]
    people = [(s, i, "") for i, s in enumerate(indep)]
    for _ in range(n_copy):
        src = rng.randrange(len(indep))
        strength = rng.choice([0, 1, 2, 2])
        partial = rng.choice([0.0, 0.0, 0.2, 0.35])
        kind = f"copy-s{strength}" + ("-partial" if partial else "")
        people.append((gp.disguise_py(indep[src], rng, strength, partial=partial), src, kind))
    order = list(range(len(people)))
    rng.shuffle(order)
    ids: dict[int, str] = {}
    for pos, idx in enumerate(order):
        sid = f"s{pos:04d}"
        ids[idx] = sid
        files = gp.render_student(people[idx][0])
        prefix = rng.choice(["", "", f"{sid}/", "gradebook/", "project/"])
        write_zip(root / "subs" / f"{sid}.zip", files, prefix=prefix)
    # positives: each copy with its source, and copies of the same source with each other
    by_cluster: dict[int, list[int]] = {}
    for idx, (_, cluster, _) in enumerate(people):
        by_cluster.setdefault(cluster, []).append(idx)
    truth = []
    for members in by_cluster.values():
        for i, j in combinations(members, 2):
            ki, kj = people[i][2], people[j][2]
            kind = (ki or kj) if not (ki and kj) else "copy-sibling"
            a, b = key(ids[i], ids[j])
            truth.append((a, b, 1, kind))
    write_meta(root, f"zip_cohort_{n_students}",
               [{"name": "cohort", "dir": "subs", "base": "base", "language": "python"}],
               truth, all_pairs=True, params=params)
    return root


BUILDERS = {
    "java_pairs": build_java_pairs,
    "templated_java": build_templated_java,
    "prose_answers": build_prose_answers,
    "obfuscated_multifile": build_obfuscated_multifile,
    "zip_cohort_300": lambda out=OUT: build_zip_cohort(300, out=out),
}


def build(name: str, out: Path = OUT) -> Dataset:
    if name.startswith("zip_cohort_"):
        return load(build_zip_cohort(int(name.rsplit("_", 1)[1]), out=out))
    return load(BUILDERS[name](out=out))
