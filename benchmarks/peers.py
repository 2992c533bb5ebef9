"""Run each tool on one cohort in a child process; return submission-level scores.

Tools:
- ``originality``: our CLI, ``originality check SUBMISSION... [--base DIR] --json OUT
  --min-similarity 0``, on the submissions exactly as they are (ZIPs, .docx...).
- ``originality-lexical``: the same, with ``--tokenizer lexical`` (the engine's tokens before
  the parser), so a run measures both token streams beside the peers; not run unless named.
- ``copydetect`` (0.5, Python API): file level; ``boilerplate_dirs`` gets the starter code.
- ``dolos`` (@dodona/dolos-lib 3.5, ``dolos_run.mjs``): file level, default options; the
  library takes one ``ignore`` file for template code, so a multi-file base is concatenated
  into one file of the same language.

Peers see a plain-file view of each cohort (ZIPs extracted, .docx turned into .txt, only
files of the cohort's language), prepared before the clock starts: unpacking and
conversion are done for them, for free. Their file-pair scores are folded to submissions:
``max`` = the highest file-pair similarity (copydetect: max of its two directional shares;
Dolos: its symmetric similarity), the usual way file-level tools are read; ``weighted`` =
the share of each submission's tokens covered by its best-matching file in the other,
size-weighted over both submissions.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from datasets import Cohort, key, sub_id  # noqa: E402
from measure import run_measured  # noqa: E402

VENV = Path(os.environ.get("ORIGINALITY_VENV", HERE.parent / ".venv"))
PYTHON = str(VENV / "bin" / "python")
ORIGINALITY = str(VENV / "bin" / "originality")
NODE = shutil.which("node") or "node"
EXTENSIONS = {"java": [".java"], "python": [".py"], "cpp": [".cpp", ".cc", ".cxx", ".c", ".hpp", ".h"],
              "text": [".txt", ".md"]}
DOLOS_LANGUAGE = {"java": "java", "python": "python", "cpp": "cpp", "text": "char"}
TOOLS = ["originality", "copydetect", "dolos"]


@dataclass
class ToolRun:
    tool: str
    cohort: str
    status: str  # ok | timeout | error | skipped
    seconds: float = 0.0
    peak_mb: float = 0.0
    rss_sum_mb: float = 0.0
    scores: dict[tuple[str, str], float] = field(default_factory=dict)
    alt_scores: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # ours: id -> error code
    note: str = ""


# ---------------------------------------------------------------------------------------
# plain-file view for the peers
# ---------------------------------------------------------------------------------------

def docx_text(data: bytes) -> str:
    import io

    import docx

    d = docx.Document(io.BytesIO(data))
    return "\n\n".join(p.text for p in d.paragraphs)


def prepare_view(cohort: Cohort, workdir: Path) -> tuple[list[Path], list[str], list[Path]]:
    """Files for the peers: (files, owning submission id per file, base files)."""
    view = workdir / "view"
    if view.exists():
        shutil.rmtree(view)
    exts = EXTENSIONS[cohort.language]

    def emit(target: Path, name: str, data: bytes) -> Path | None:
        if name.endswith(".docx") and cohort.language == "text":
            name, data = name[:-5] + ".txt", docx_text(data).encode("utf-8")
        if not any(name.endswith(e) for e in exts):
            return None
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return out

    def explode(src: Path, target: Path) -> list[Path]:
        got = []
        if src.is_dir():
            for f in sorted(src.rglob("*")):
                if f.is_file():
                    p = emit(target, str(f.relative_to(src)), f.read_bytes())
                    if p:
                        got.append(p)
        else:
            with zipfile.ZipFile(src) as zf:
                for info in sorted(zf.infolist(), key=lambda i: i.filename):
                    if not info.is_dir():
                        p = emit(target, info.filename, zf.read(info))
                        if p:
                            got.append(p)
        return got

    files, owners = [], []
    for sub in cohort.submissions:
        sid = sub_id(sub)
        for f in explode(sub, view / "subs" / sid):
            files.append(f)
            owners.append(sid)
    base = explode(cohort.base, view / "base") if cohort.base else []
    return files, owners, base


# ---------------------------------------------------------------------------------------
# folding file pairs into submission pairs
# ---------------------------------------------------------------------------------------

def fold(owners: list[str], sizes: list[float],
         pairs: list[tuple[int, int, float, float, float]]) -> tuple[dict, dict]:
    """pairs: (i, j, headline, share of i covered, share of j covered) per file pair.

    Returns (max fold, size-weighted fold) keyed by unordered submission pair.
    """
    best: dict[tuple[str, str], float] = {}
    cover: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)  # (file owner, file) -> other sub -> best share
    for i, j, head, si, sj in pairs:
        a, b = owners[i], owners[j]
        if a == b:
            continue
        k = key(a, b)
        if head > best.get(k, 0.0):
            best[k] = head
        ci = cover[(a, i)]
        if si > ci.get(b, 0.0):
            ci[b] = si
        cj = cover[(b, j)]
        if sj > cj.get(a, 0.0):
            cj[a] = sj
    total: dict[str, float] = defaultdict(float)
    for i, o in enumerate(owners):
        total[o] += sizes[i]
    covered: dict[tuple[str, str], float] = defaultdict(float)  # (sub, other) -> covered tokens of sub
    for (o, i), others in cover.items():
        for other, share in others.items():
            covered[(o, other)] += share * sizes[i]
    weighted: dict[tuple[str, str], float] = {}
    for k in best:
        a, b = k
        denom = total[a] + total[b]
        weighted[k] = (covered[(a, b)] + covered[(b, a)]) / denom if denom else 0.0
    return best, weighted


# ---------------------------------------------------------------------------------------
# tools
# ---------------------------------------------------------------------------------------

def run_copydetect(cohort: Cohort, workdir: Path, timeout: float | None) -> ToolRun:
    files, owners, base = prepare_view(cohort, workdir)
    manifest = workdir / "copydetect.json"
    out = workdir / "copydetect.tsv"
    manifest.write_text(json.dumps({
        "root": str(workdir / "view" / "subs"), "base": str(workdir / "view" / "base") if base else None,
        "extensions": [e.lstrip(".") for e in EXTENSIONS[cohort.language]],
        "text": cohort.language == "text", "files": [str(f) for f in files]}))
    m = run_measured([PYTHON, str(Path(__file__).resolve()), "copydetect-worker", str(manifest), str(out)],
                     timeout=timeout)
    run = ToolRun("copydetect", cohort.name, "ok", m.seconds, m.peak_mb, m.rss_sum_mb)
    if m.timed_out or m.returncode != 0:
        run.status = "timeout" if m.timed_out else "error"
        run.note = m.stderr_tail[-500:]
        return run
    sizes, pairs = read_pairs(out, len(files))
    run.scores, run.alt_scores["weighted"] = fold(owners, sizes, pairs)
    return run


def copydetect_worker(manifest_path: str, out_path: str) -> int:
    """Child process: run copydetect on the view, write F (sizes) and P (pairs) lines."""
    import numpy as np
    from copydetect import CopyDetector

    m = json.loads(Path(manifest_path).read_text())
    det = CopyDetector(test_dirs=[m["root"]], boilerplate_dirs=[m["base"]] if m["base"] else None,
                       extensions=m["extensions"], silent=True, autoopen=False,
                       disable_filtering=bool(m["text"]), display_t=0.0)
    det.run()
    index = {str(Path(f).resolve()): i for i, f in enumerate(m["files"])}
    ids = [index.get(str(Path(f).resolve()), -1) for f in det.test_files]
    sim = det.similarity_matrix
    with open(out_path, "w") as fh:
        for f, i in zip(det.test_files, ids):
            data = det.file_data.get(f)
            fh.write(f"F\t{i}\t{len(data.filtered_code) if data is not None else 0}\n")
        if sim.size:
            rows, cols = np.where((sim[:, :, 0] > 0) | (sim[:, :, 1] > 0))
            for r, c in zip(rows.tolist(), cols.tolist()):
                if r < c and ids[r] >= 0 and ids[c] >= 0:
                    s1, s2 = sim[r, c]
                    fh.write(f"P\t{ids[r]}\t{ids[c]}\t{max(s1, s2)}\t{s1}\t{s2}\n")
    return 0


def run_dolos(cohort: Cohort, workdir: Path, timeout: float | None) -> ToolRun:
    files, owners, base = prepare_view(cohort, workdir)
    ignore = None
    if base:
        # the library accepts a single template file: concatenate the starter files
        ignore = workdir / ("template" + EXTENSIONS[cohort.language][0])
        ignore.write_bytes(b"\n\n".join(f.read_bytes() for f in base))
    manifest = workdir / "dolos.json"
    out = workdir / "dolos.tsv"
    manifest.write_text(json.dumps({"language": DOLOS_LANGUAGE[cohort.language],
                                    "files": [str(f) for f in files], "ignore": str(ignore) if ignore else None}))
    # Node's default heap (~4 GB) is too small for big cohorts; the cap keeps a runaway run
    # from taking the machine down (it then fails with a heap error, reported as such).
    env = {**os.environ, "NODE_OPTIONS": f"--max-old-space-size={os.environ.get('DOLOS_HEAP_MB', '12288')}"}
    m = run_measured([NODE, str(HERE / "dolos_run.mjs"), str(manifest), str(out)], cwd=HERE,
                     timeout=timeout, env=env)
    run = ToolRun("dolos", cohort.name, "ok", m.seconds, m.peak_mb, m.rss_sum_mb)
    if m.timed_out or m.returncode != 0:
        run.status = "timeout" if m.timed_out else "error"
        run.note = m.stderr_tail[-500:]
        return run
    sizes, raw = read_pairs(out, len(files), dolos=True)
    run.scores, run.alt_scores["weighted"] = fold(owners, sizes, raw)
    return run


def read_pairs(path: Path, n_files: int, dolos: bool = False) -> tuple[list[float], list[tuple]]:
    sizes = [0.0] * n_files
    pairs = []
    with open(path) as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "F":
                i = int(parts[1])
                if i >= 0:
                    sizes[i] = float(parts[2])
            elif dolos:
                l, r, sim, lc, rc, lt, rt = int(parts[1]), int(parts[2]), *map(float, parts[3:8])
                pairs.append((l, r, sim, lc / lt if lt else 0.0, rc / rt if rt else 0.0))
            else:
                pairs.append((int(parts[1]), int(parts[2]), float(parts[3]), float(parts[4]), float(parts[5])))
    return sizes, pairs


def run_originality(cohort: Cohort, workdir: Path, timeout: float | None,
                    tokenizer: str = "syntax") -> ToolRun:
    out = workdir / "originality.json"
    if out.exists():
        out.unlink()
    cmd = [ORIGINALITY, "check", *[str(p) for p in cohort.submissions]]
    if cohort.base:
        cmd += ["--base", str(cohort.base)]
    cmd += ["--json", str(out), "--min-similarity", "0", "--tokenizer", tokenizer]
    m = run_measured(cmd, timeout=timeout, cwd=workdir)
    tool = "originality" if tokenizer == "syntax" else f"originality-{tokenizer}"
    run = ToolRun(tool, cohort.name, "ok", m.seconds, m.peak_mb, m.rss_sum_mb)
    if m.timed_out or m.returncode != 0 or not out.exists():
        run.status = "timeout" if m.timed_out else "error"
        run.note = f"exit {m.returncode}: {m.stderr_tail[-800:]}"
        return run
    report = json.loads(out.read_text())
    for p in report.get("pairs", []):
        run.scores[key(p["a"], p["b"])] = float(p["similarity"])
    for s in report.get("submissions", []):
        if s.get("status") != "ok":
            run.rejected[s["id"]] = (s.get("error") or {}).get("code", "?")
    return run


def run_originality_lexical(cohort: Cohort, workdir: Path, timeout: float | None) -> ToolRun:
    return run_originality(cohort, workdir, timeout, tokenizer="lexical")


RUNNERS = {"originality": run_originality, "originality-lexical": run_originality_lexical,
           "copydetect": run_copydetect, "dolos": run_dolos}


def run_tool(tool: str, cohort: Cohort, workdir: Path, timeout: float | None = None) -> ToolRun:
    workdir.mkdir(parents=True, exist_ok=True)
    if tool.startswith("originality") and not Path(ORIGINALITY).exists():
        return ToolRun(tool, cohort.name, "skipped", note=f"{ORIGINALITY} not installed")
    return RUNNERS[tool](cohort, workdir, timeout)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "copydetect-worker":
        sys.exit(copydetect_worker(sys.argv[2], sys.argv[3]))
    print("usage: peers.py copydetect-worker MANIFEST OUT", file=sys.stderr)
    sys.exit(2)
