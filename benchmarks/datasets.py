"""Benchmark datasets: generators that write cohorts to disk, and a loader.

Every dataset is a folder with ``meta.json`` (its cohorts: submission folder, optional
``base/`` starter code, language), ``truth.csv`` (``a,b,label,kind``; 1 = plagiarism) and
the submissions (a directory or a ``.zip`` each; id = name without ``.zip``). Tools are run
per cohort; pairs across cohorts are never compared. When ``all_pairs`` is true, every pair
in a cohort that truth.csv does not list is a negative (label 0); otherwise only the listed
pairs are evaluated. Generation is deterministic for a given seed.

    java_pairs            real Java programs (SOCO + ConPlag), labelled pairs, dev/holdout split
    obfuscation           real: PROGpedia-19 (Java) and Homework-1 z5z1 (C++) originals with
                          insert / refactor / GPT-4 obfuscated copies and GPT-4 programs (JPlag paper)
    prose_paraphrase      real: P4P source / plagiarised passage pairs (856) and 4,280 negatives
    templated_java        6 intro exercises x 40 students, starter skeletons, disguised copies
    prose_answers         5 questions: cut / light / heavy revisions of a source, and non
    obfuscated_multifile  multi-file Python programs, copies renamed, moved, split, reordered
    zip_cohort(n, seed)   gradebook assignment as ZIPs with starter code, ~5 % disguised copies
    scale_cohort(n, seed) the same assignment, each function composed from many choices of the
                          student's own (independent students share short idioms only): the
                          scale benchmarks' cohort
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
import zipfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SHARED_DATA = Path("/work/shared/data")
JAVA_PAIRS_SRC = SHARED_DATA / "java-pairs"
OBFUSCATION_SRC = SHARED_DATA / "obfuscation"
PROSE_PARAPHRASE_SRC = SHARED_DATA / "prose-paraphrase"
GENERATOR_VERSION = 8  # bump when generated content changes, to invalidate cached cohorts
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Cohort:
    """Submissions compared with each other (and, if given, the starter code)."""

    name: str
    submissions: tuple[Path, ...]
    base: Path | None
    language: str  # "java" | "python" | "cpp" | "text"

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
    # sorted (a, b) -> "dev" | "holdout" (truth.csv's optional ``split`` column)
    splits: dict[tuple[str, str], str] = field(default_factory=dict)
    # name -> {"pos": [kinds], "neg": [kinds]}: sub-evaluations (meta.json ``groups``), e.g.
    # one attack's positives against the unrelated pairs of its set
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # another tool's published per-pair scores (reference.csv): column -> pair -> score
    reference: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)

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


def set_starter(archive: Any, root: Path, project: str) -> None:
    """A generated cohort's starter code (``root / "base"``), zipped, set as ``project``'s in an
    ``originality.archive.Archive``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for file in sorted((root / "base").rglob("*")):
            if file.is_file():
                bundle.write(file, file.relative_to(root / "base").as_posix())
    buffer.seek(0)
    sha, size = archive.store.put_stream(buffer, 1 << 30)
    archive.set_starter(project, sha, size, "starter.zip", project)


def write_meta(root: Path, name: str, cohorts: list[dict], truth: list[tuple],
               all_pairs: bool, params: dict, groups: dict | None = None) -> None:
    """truth rows: (a, b, label, kind) or (a, b, label, kind, split)."""
    (root / "meta.json").write_text(json.dumps(
        {"name": name, "all_pairs": all_pairs, "cohorts": cohorts, "params": params,
         "version": GENERATOR_VERSION, "groups": groups or {}}, indent=1) + "\n")
    with_split = any(len(t) > 4 for t in truth)
    with open(root / "truth.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "label", "kind"] + (["split"] if with_split else []))
        for row in sorted(truth):
            w.writerow(list(row))


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
    splits: dict[tuple[str, str], str] = {}
    with open(root / "truth.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            k = key(row["a"], row["b"])
            truth[k] = (int(row["label"]), row.get("kind") or "")
            if row.get("split"):
                splits[k] = row["split"]
    reference: dict[str, dict[tuple[str, str], float]] = {}
    if (root / "reference.csv").exists():
        with open(root / "reference.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                k = key(row.pop("a"), row.pop("b"))
                for col, v in row.items():
                    if v != "":
                        reference.setdefault(col, {})[k] = float(v)
    return Dataset(m["name"], root, tuple(cohorts), truth, bool(m["all_pairs"]), splits,
                   m.get("groups") or {}, reference)


def opaque_ids(names: list[str], salt: str, prefix: str) -> dict[str, str]:
    """name -> neutral id (prefix + number), numbered in an order set by a salted hash, so
    neither the id nor the order says anything about a submission's label or partner."""
    order = sorted(names, key=lambda n: hashlib.sha256(f"{salt}:{n}".encode()).hexdigest())
    width = len(str(len(order)))
    return {n: f"{prefix}{i:0{width}d}" for i, n in enumerate(order)}


def copy_neutral(src_files: list[Path], target: Path) -> list[str]:
    """Copy one submission's files to ``target`` as file1.EXT, file2.EXT... (in the order of
    their original names): the names in these sets give the answer away (``8_109.java``,
    ``paConstants.java``, ``p4p-012-plg.txt``); a detector must judge the contents only."""
    target.mkdir(parents=True)
    names = []
    for k, f in enumerate(sorted(src_files, key=lambda p: p.name), start=1):
        name = f"file{k}{f.suffix.lower()}"
        shutil.copyfile(f, target / name)
        names.append(name)
    return names


# ---------------------------------------------------------------------------------------
# a. java_pairs
# ---------------------------------------------------------------------------------------

def build_java_pairs(out: Path = OUT) -> Path:
    root = out / "java_pairs"
    params = {"source": str(JAVA_PAIRS_SRC), "layout": 2}
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
            truth.append((a, b, label, "plagiarism" if label else "not", split_of((a, b))))
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
    people = draw_people(rng, n_students, copy_rate, gp.draw_py_student, gp.disguise_py)
    return write_cohort(root, f"zip_cohort_{n_students}", params, people, gp.render_student, rng)


def draw_people(rng: random.Random, n_students: int, copy_rate: float, draw: Callable[[random.Random], Any],
                disguise: Callable[..., Any]) -> list[tuple]:
    """A gradebook cohort's students as (student, cluster, kind): the independent ones drawn,
    then the copies (``copy_rate`` of the cohort), each a disguise of a random independent one
    at strength 0-2, some partial."""
    n_copy = max(1, round(n_students * copy_rate))
    indep = [draw(rng) for _ in range(n_students - n_copy)]
    people = [(s, i, "") for i, s in enumerate(indep)]
    for _ in range(n_copy):
        src = rng.randrange(len(indep))
        strength = rng.choice([0, 1, 2, 2])
        partial = rng.choice([0.0, 0.0, 0.2, 0.35])
        kind = f"copy-s{strength}" + ("-partial" if partial else "")
        people.append((disguise(indep[src], rng, strength, partial=partial), src, kind))
    return people


def write_cohort(root: Path, name: str, params: dict, people: list[tuple], render: Callable[[Any], dict],
                 rng: random.Random) -> Path:
    """Write a generated gradebook cohort. ``people`` are (student, cluster, kind): kind "" for
    an independent student, the copy's kind for a copy of independent student ``cluster``. Each
    becomes ``subs/sNNNN.zip`` (shuffled order, some zipped inside a folder) of
    ``render(student)``; each copy pairs with its source and its source's other copies."""
    order = list(range(len(people)))
    rng.shuffle(order)
    ids: dict[int, str] = {}
    for pos, idx in enumerate(order):
        sid = f"s{pos:04d}"
        ids[idx] = sid
        files = render(people[idx][0])
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
    write_meta(root, name, [{"name": "cohort", "dir": "subs", "base": "base", "language": "python"}],
               truth, all_pairs=True, params=params)
    return root


# ---------------------------------------------------------------------------------------
# e'. scale_cohort
# ---------------------------------------------------------------------------------------

def build_scale_cohort(n_students: int, seed: int = 5, out: Path = OUT, copy_rate: float = 0.05) -> Path:
    """The gradebook assignment for the scale benchmarks (``gen_scale``): independent students
    compose each function from many choices of their own, so they share short idioms only, as
    real independent work does; the same starter code, copy rate and disguises as zip_cohort."""
    import gen_python as gp
    import gen_scale as gs

    root = out / f"scale_cohort_{n_students}"
    params = {"n": n_students, "seed": seed, "copy_rate": copy_rate, "scale_version": gs.VERSION}
    if fresh(root, params):
        return root
    reset(root)
    rng = random.Random(seed)
    write_dir(root / "base", dict(gp.BASE_FILES))
    people = draw_people(rng, n_students, copy_rate, gs.draw_student, gs.disguise)
    return write_cohort(root, f"scale_cohort_{n_students}", params, people, gs.render, rng)


# ---------------------------------------------------------------------------------------
# f. obfuscation (real, /work/shared/data/obfuscation)
# ---------------------------------------------------------------------------------------

OBFUSCATION_SETS = {"Progpedia19": ("java", "pp"), "z5z1": ("cpp", "hw")}
ATTACKS = ["insert", "refactor", "gptobf", "gpt"]
JPLAG_COLUMNS = ["jplag_base", "jplag_tsn", "jplag_smm", "jplag_both"]


def build_obfuscation(out: Path = OUT) -> Path:
    """Both sets of the obfuscation data, one cohort each, under neutral names.

    Every submission gets an opaque id (``pp017``, ``hw142``) and its files are renamed
    ``file1.java``...; ``mapping.csv`` (not seen by any tool) maps back to the set's ids.
    truth.csv's kind is ``<set>/<attack>`` (``<set>/none`` for the label-0 pairs); the groups
    are each set (all its positives) and each (set, attack), against the set's label-0 pairs,
    as the data's README and ``auc.py`` evaluate. JPlag's four modes go to reference.csv.
    """
    root = out / "obfuscation"
    params = {"source": str(OBFUSCATION_SRC), "layout": 1}
    if fresh(root, params):
        return root
    reset(root)
    cohorts, ids, mapping = [], {}, []
    for set_name, (language, prefix) in OBFUSCATION_SETS.items():
        folders = sorted(p for p in (OBFUSCATION_SRC / "subs" / set_name).iterdir() if p.is_dir())
        opaque = opaque_ids([p.name for p in folders], f"obfuscation:{set_name}", prefix)
        for folder in folders:
            files = [f for f in folder.rglob("*") if f.is_file()]
            names = copy_neutral(files, root / set_name / "subs" / opaque[folder.name])
            ids[(set_name, folder.name)] = opaque[folder.name]
            mapping.append((opaque[folder.name], set_name, folder.name,
                            ";".join(f"{n}={f.name}" for n, f in zip(names, sorted(files, key=lambda p: p.name)))))
        cohorts.append({"name": set_name, "dir": f"{set_name}/subs", "base": None, "language": language})
    truth, reference, kinds = [], [], {}
    with open(OBFUSCATION_SRC / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            s = row["set"]
            a, b = key(ids[(s, row["a"])], ids[(s, row["b"])])
            kind = f"{s}/{row['attack']}"
            kinds.setdefault(s, set()).add(row["attack"])
            truth.append((a, b, int(row["label"]), kind, split_of(key(row["a"], row["b"]))))
            reference.append((a, b, *(row[c] for c in JPLAG_COLUMNS)))
    groups: dict[str, dict[str, list[str]]] = {}
    for s in OBFUSCATION_SETS:
        attacks = [a for a in ATTACKS if a in kinds.get(s, ())]
        groups[s] = {"pos": [f"{s}/{a}" for a in attacks], "neg": [f"{s}/none"]}
        for a in attacks:
            groups[f"{s}/{a}"] = {"pos": [f"{s}/{a}"], "neg": [f"{s}/none"]}
    with open(root / "reference.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", *JPLAG_COLUMNS])
        w.writerows(sorted(reference))
    with open(root / "mapping.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "set", "original", "files"])
        w.writerows(sorted(mapping))
    write_meta(root, "obfuscation", cohorts, truth, all_pairs=False, params=params, groups=groups)
    return root


# ---------------------------------------------------------------------------------------
# g. prose_paraphrase (real, /work/shared/data/prose-paraphrase)
# ---------------------------------------------------------------------------------------

def build_prose_paraphrase(out: Path = OUT) -> Path:
    """The P4P passages, each in its own folder as ``file1.txt`` under an opaque id (the
    original names ``p4p-NNN-src`` / ``p4p-NNN-plg`` pair the answer up); one cohort."""
    root = out / "prose_paraphrase"
    params = {"source": str(PROSE_PARAPHRASE_SRC), "layout": 1}
    if fresh(root, params):
        return root
    reset(root)
    texts = sorted((PROSE_PARAPHRASE_SRC / "texts").glob("*.txt"))
    opaque = opaque_ids([t.stem for t in texts], "prose_paraphrase", "t")
    for t in texts:
        copy_neutral([t], root / "subs" / opaque[t.stem])
    with open(root / "mapping.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "original"])
        w.writerows(sorted((v, k) for k, v in opaque.items()))
    truth = []
    with open(PROSE_PARAPHRASE_SRC / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = key(opaque[row["a"]], opaque[row["b"]])
            label = int(row["label"])
            truth.append((a, b, label, "paraphrase" if label else "unrelated",
                          split_of(key(row["a"], row["b"]))))
    write_meta(root, "prose_paraphrase", [{"name": "p4p", "dir": "subs", "base": None, "language": "text"}],
               truth, all_pairs=False, params=params)
    return root


# ---------------------------------------------------------------------------------------
# h. prose_embedded (real passages, composed: P4P pairs inside longer documents)
# ---------------------------------------------------------------------------------------

# P4P pairs whose source passages overlap another pair's (the data set's README): left out, so
# that no filler passage is a hidden source of another document.
P4P_REUSED = frozenset({177, 677, 282, 754, 408, 750})
# Passages around the embedded one: a source in a document 3-6 times its length (an answer
# copied from part of an article, a paragraph taken from a longer report).
EMBED_FILLERS = (2, 3, 5)


def build_prose_embedded(out: Path = OUT, seed: int = 17, in_source: int = 100, in_both: int = 60) -> Path:
    """P4P's real passages, composed into documents of several passages: no real set here
    pairs a text with a longer one that holds its source, which is how an answer copies an
    article or a report a paragraph of another's.

    ``source-in-longer`` pairs: a source passage among 2, 3 or 5 unrelated source passages (in
    a random order, one paragraph each) against its plagiarised passage alone.
    ``both-in-longer``: the source among 2 unrelated sources against the plagiarised passage
    among 2 unrelated plagiarised passages. Negatives: each composed source document against 5
    plagiarised texts (of its kind) of other pairs. Every filler passage is used once, and the
    fillers of source documents and of plagiarised documents come from different P4P pairs, so
    no negative shares a paraphrase pair."""
    root = out / "prose_embedded"
    params = {"source": str(PROSE_PARAPHRASE_SRC), "seed": seed, "in_source": in_source,
              "in_both": in_both, "fillers": list(EMBED_FILLERS), "layout": 1}
    if fresh(root, params):
        return root
    reset(root)
    texts = PROSE_PARAPHRASE_SRC / "texts"

    def passage(n: int, side: str) -> str:
        return (texts / f"p4p-{n:03d}-{side}.txt").read_text(encoding="utf-8").strip()

    rng = random.Random(seed)
    numbers = [n for n in range(1, 857) if n not in P4P_REUSED]
    rng.shuffle(numbers)
    kinds = ["source-in-longer"] * in_source + ["both-in-longer"] * in_both
    positives, rest = numbers[: len(kinds)], iter(numbers[len(kinds):])
    documents: dict[str, str] = {}
    made: list[tuple[str, str, str]] = []  # (source document, plagiarised text, kind)
    for k, (n, kind) in enumerate(zip(positives, kinds)):
        fillers = rng.choice(EMBED_FILLERS) if kind == "source-in-longer" else 2
        source_parts = [passage(n, "src")] + [passage(next(rest), "src") for _ in range(fillers)]
        rng.shuffle(source_parts)
        documents[f"doc{k:03d}"] = "\n\n".join(source_parts) + "\n"
        plagiarised_parts = [passage(n, "plg")]
        if kind == "both-in-longer":
            plagiarised_parts += [passage(next(rest), "plg") for _ in range(2)]
            rng.shuffle(plagiarised_parts)
        documents[f"plg{k:03d}"] = "\n\n".join(plagiarised_parts) + "\n"
        made.append((f"doc{k:03d}", f"plg{k:03d}", kind))
    opaque = opaque_ids(sorted(documents), "prose_embedded", "t")
    for name, text in documents.items():
        write_dir(root / "subs" / opaque[name], {"file1.txt": text})
    truth = []
    for doc, plg, kind in made:
        truth.append((*key(opaque[doc], opaque[plg]), 1, kind))
        others = [p for _, p, other_kind in made if other_kind == kind and p != plg]
        for other in rng.sample(others, 5):
            truth.append((*key(opaque[doc], opaque[other]), 0, f"unrelated-{kind}"))
    groups = {kind: {"pos": [kind], "neg": [f"unrelated-{kind}"]} for kind in sorted(set(kinds))}
    write_meta(root, "prose_embedded", [{"name": "p4p-embedded", "dir": "subs", "base": None, "language": "text"}],
               truth, all_pairs=False, params=params, groups=groups)
    return root


BUILDERS = {
    "java_pairs": build_java_pairs,
    "obfuscation": build_obfuscation,
    "prose_paraphrase": build_prose_paraphrase,
    "prose_embedded": build_prose_embedded,
    "templated_java": build_templated_java,
    "prose_answers": build_prose_answers,
    "obfuscated_multifile": build_obfuscated_multifile,
    "zip_cohort_300": lambda out=OUT: build_zip_cohort(300, out=out),
}


def build(name: str, out: Path = OUT) -> Dataset:
    if name.startswith("scale_cohort_"):
        return load(build_scale_cohort(int(name.rsplit("_", 1)[1]), out=out))
    if name.startswith("zip_cohort_"):
        return load(build_zip_cohort(int(name.rsplit("_", 1)[1]), out=out))
    return load(BUILDERS[name](out=out))
