"""Options of the engine: frozen dataclasses with named defaults, validated once.

Every field is checked in ``__post_init__`` and all problems are reported together, so a caller
fixes a bad configuration in one go rather than one field at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from .errors import UsageError
from .syntax import DEFAULT_NORMALIZATIONS
from .syntax import NORMALIZATIONS as SYNTAX_NORMALIZATIONS

# Unpacking: caps on what a submission may make us read. They count bytes actually
# decompressed, never the sizes an archive claims in its headers. A file over the per-file cap
# (or compressed beyond the ratio) is left unread, state too_large, and the rest is read; the
# bytes it took to find that out count towards the submission cap, which alone bounds the work.
# The values are judgments, not fitted (there since the engine's first version): a file over
# 20 MiB is a dataset, not work to compare, and with these caps the 28 hostile archives are
# read in 2.8 s with a 187 MB peak (docs/benchmarks.md, "Hostile input").
MAX_ENTRY_BYTES = 20 * 1024 * 1024
MAX_SUBMISSION_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5_000
# Entries an archive may list, litter included (a virtual environment, node_modules/): each is
# a central directory record to walk and nothing more, since litter is never decompressed. A
# Python virtual environment with numpy, scipy and scikit-learn holds 5,569 files, the
# project's own development one (232 packages) 18,271: a deliverable zipped with its
# environment is read for its own files, and a directory of millions of records is still
# refused after walking this many. What litter costs to pass over: 0.05 s of CPU for 5,000
# entries, 0.22 s for 20,000, 1.07 s for 99,990 (`read_zip_bytes` of a ZIP of that many
# node_modules/ files and one of code, 7 Dec 2026), about one archive check at 20,000 entries.
MAX_RECORDS = 100_000
MAX_NESTING = 2
MAX_PATH_LENGTH = 400
MAX_COMPRESSION_RATIO = 200.0

# Matching.
# A code pair's containment counts runs of this many tokens. Held out on the real sets, the model
# refitted at each length (`benchmarks/templated_trials.py --kgram K --trials shipped`, 7 Dec
# 2026; java-pairs / Progpedia19 / z5z1, then the pooled obfuscation set): 8 tokens 0.9518 /
# 0.9119 / 0.9371, 0.8585; 10: 0.9531 / 0.9552 / 0.9373, 0.9081; 12: 0.9534 / 0.9639 / 0.9384,
# 0.9123; 14: 0.9532 / 0.9626 / 0.9378, 0.9034; 16: 0.9518 / 0.9628 / 0.9367, 0.8899. Shorter
# runs favour the generated tiny exercises (templated_java 0.7564 at 8, 0.7387 at 12) at
# Progpedia19's expense (docs/benchmarks.md, "One tiny program disguised by 50 students").
KGRAM_CODE = 12
# Prose's long k-grams, in words (stop words out, stemmed). Held out on prose-paraphrase's two
# halves and prose-embedded (`benchmarks/calibrate.py --kgram-prose K`, 7 Dec 2026): 3 and 4
# words 0.9955 / 0.9940 / 0.9883; 5 and 6, 0.9955 / 0.9926 / 0.9883: 4 is the longest that loses
# nothing, and a longer run is stronger evidence in a fragment.
KGRAM_PROSE = 4
# The code's bag (its cosine) counts runs of this many tokens. Held out as for KGRAM_CODE
# (`templated_trials.py --bag B --trials shipped`, 7 Dec 2026): 3 tokens 0.9533 / 0.9641 /
# 0.9389, pooled 0.9144; 4: 0.9533 / 0.9638 / 0.9385, 0.9124; 5: 0.9534 / 0.9639 / 0.9384,
# 0.9123; 6: 0.9533 / 0.9643 / 0.9388, 0.9132; 7: 0.9532 / 0.9644 / 0.9390, 0.9139. Within a
# thousandth from 3 to 7; a change would re-tokenize every archive (``units.TOKENS_VERSION``)
# and refit the model for less than that.
BAG_CODE = 5
# Prose's bag, in words (`calibrate.py --bag-prose B`, the same sets): 1 word 0.9954 / 0.9940 /
# 0.9875, 2 words 0.9955 / 0.9940 / 0.9883, 3 words 0.9955 / 0.9940 / 0.9882. Single words
# also lift the cosine of independent texts on one topic, which these sets' negatives (passages
# of other documents) cannot show: two.
BAG_PROSE = 2
# A fragment shown side by side is at least one long k-gram.
MIN_FRAGMENT_CODE = KGRAM_CODE
MIN_FRAGMENT_PROSE = KGRAM_PROSE
# The reporting floor: on the labelled pairs the model was fitted on, those under 0.1 are copies
# 1.0% of the time (6,730 pairs), those from 0.1 to 0.2 19% (docs/benchmarks.md, "Calibration",
# the reliability curve).
MIN_SIMILARITY = 0.1
# Processes that read submissions, at most (``default_workers``): a judgment, not measured,
# since the benchmarks' machine has two cores; it leaves a larger machine's other cores free.
MAX_WORKERS = 4
# A long k-gram that this share of the independent groups hold is code everyone writes. Held out
# (`benchmarks/templated_trials.py --common 10,F --trials shipped`, 7 Dec 2026; java-pairs /
# Progpedia19 / z5z1, pooled obfuscation): 0.4 0.9543 / 0.9284 / 0.9396, 0.8382; 0.5 0.9534 /
# 0.9639 / 0.9384, 0.9123; 0.6 0.9535 / 0.9612 / 0.9364, 0.8989.
COMMON_FRACTION = 0.5
# Neither common code nor a background (``score.background``) under this many groups: what a
# handful of students share says more about them than about the task. Every real set's cohort
# holds over 100 groups, so its held-out figures are the same at 5, 10 and 20 (`--common M,0.5`);
# a lower minimum spares a new project's first uploads some false matches but reads the shared
# solution of a small class as its background (docs/benchmarks.md, "A shared solution through
# the service"), and reports under it say so (``report.young_note``).
COMMON_MIN_SUBMISSIONS = 10
# How sure the share of independent groups holding a k-gram must be to reach COMMON_FRACTION
# (standard deviations of its Wilson score interval; ``cohort.common_threshold``). Measured on
# obfuscation (Progpedia19, a quarter of whose 205 programs GPT-4 wrote from one prompt),
# entered one upload at a time in the order of seed 2 (`run.py service --seed 2`): with the bare
# share (0) an archive of 20-100 entries took what GPT-4's programs share for common code, and
# its ROC-AUC as reported fell 0.0246 below `check`'s over the whole set; at 1, 0.0087 (the
# service's own rising 0.8085 -> 0.8275, and 0.003 on seeds 1 and 3), while `check` on the real
# sets stays as it was (java-pairs 0.953 -> 0.954, obfuscation pooled 0.912 -> 0.911). 3 closes
# the gap further (a `check` over the entries up to each upload: 0.007 at 1, 0.004 at 3) but
# costs pooled obfuscation 0.011: z5z1's independent programs share its templated task's code
# (docs/benchmarks.md, "Common code surely shared by half of the groups").
COMMON_CONFIDENCE = 1.0
# A young population asks more of a share than its size alone does: an archive's first uploads
# are no random sample of the students who will take the task (one tool's programs, a study
# group's, arrive together). The confidence asked rises linearly from common_confidence at
# ``cohort.SETTLED_GROUPS`` (100) groups to this at ``cohort.YOUNG_GROUPS`` (20) and fewer.
# Tuned on the seed-2 order of obfuscation replayed over its prefixes
# (`benchmarks/service_prefixes.py --seed 2 --confidence-young Z`): the gap to the whole cohort
# 0.0074 at 1 (none), 0.0037 at 3; checked on the other orders through the service itself, and
# on `check`, which it leaves alone from 100 groups on (every real set's cohorts): the figures in
# docs/benchmarks.md, "A young archive asks more of common code".
COMMON_CONFIDENCE_YOUNG = 3.0
# A code file with fewer tokens is ``too_short`` and left out (an ``__init__.py`` of imports, a
# stub). Held out (`benchmarks/calibrate.py --min-document-tokens M`, 7 Dec 2026; java-pairs /
# Progpedia19 / z5z1): 12 and 20 tokens 0.9534 / 0.9641 / 0.937; 50, 0.9459 / 0.9639 / 0.938;
# 100, 0.9283 / 0.9634 / 0.9327 (java-pairs' tiny programs go): 20 leaves out the most that
# costs nothing.
MIN_DOCUMENT_TOKENS = 20
# How code becomes tokens: "syntax" parses it where a grammar exists (syntax.py), "lexical"
# lexes every language (fastlex, Pygments), as the engine did before the parser.
TOKENIZERS = ("syntax", "lexical")
TOKENIZER = "syntax"
NORMALIZATIONS = DEFAULT_NORMALIZATIONS


def _raise_problems(owner: object, problems: list[str]) -> None:
    if problems:
        raise UsageError("invalid options: " + "; ".join(problems))


def _positive_ints(owner: object) -> list[str]:
    problems = []
    for field in fields(owner):  # type: ignore[arg-type]
        value = getattr(owner, field.name)
        if field.type in ("int",) and (not isinstance(value, int) or value <= 0):
            problems.append(f"{field.name} must be a positive integer, got {value!r}")
    return problems


@dataclass(frozen=True)
class UnpackLimits:
    """Caps applied while reading one submission archive."""

    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_submission_bytes: int = MAX_SUBMISSION_BYTES
    max_entries: int = MAX_ENTRIES
    max_records: int = MAX_RECORDS
    max_nesting: int = MAX_NESTING
    max_path_length: int = MAX_PATH_LENGTH
    max_compression_ratio: float = MAX_COMPRESSION_RATIO

    def __post_init__(self) -> None:
        problems = _positive_ints(self)
        if self.max_entry_bytes > self.max_submission_bytes:
            problems.append("max_entry_bytes must not exceed max_submission_bytes")
        if self.max_entries > self.max_records:
            problems.append("max_entries must not exceed max_records")
        if self.max_compression_ratio <= 1:
            problems.append("max_compression_ratio must be above 1")
        _raise_problems(self, problems)


@dataclass(frozen=True)
class MatchOptions:
    """How documents are fingerprinted and compared."""

    kgram_code: int = KGRAM_CODE
    kgram_prose: int = KGRAM_PROSE
    # Short k-grams, counted as a bag (TF-IDF), for the cosine that survives restructuring.
    bag_code: int = BAG_CODE
    bag_prose: int = BAG_PROSE
    # A shared run shorter than this is an idiom, not a copy.
    min_fragment_code: int = MIN_FRAGMENT_CODE
    min_fragment_prose: int = MIN_FRAGMENT_PROSE
    min_document_tokens: int = MIN_DOCUMENT_TOKENS
    # A k-gram present in at least this share of the independent groups (with
    # common_confidence, more in a young population, and in at least common_min_submissions of
    # them) is treated as code everyone writes (``cohort.common_threshold``).
    common_fraction: float = COMMON_FRACTION
    common_min_submissions: int = COMMON_MIN_SUBMISSIONS
    common_confidence: float = COMMON_CONFIDENCE
    common_confidence_young: float = COMMON_CONFIDENCE_YOUNG
    # How code becomes tokens: "syntax" (a parser where a grammar exists) or "lexical"; and the
    # parser path's named normalizations.
    tokenizer: str = TOKENIZER
    normalizations: tuple[str, ...] = NORMALIZATIONS
    # Quotations that cite their source (``quotes.py``) are shown, never counted.
    leave_out_quotations: bool = True

    def __post_init__(self) -> None:
        problems = _positive_ints(self)
        if not 0 < self.common_fraction <= 1:
            problems.append(f"common_fraction must be in (0, 1], got {self.common_fraction!r}")
        if not self.common_confidence >= 0:
            problems.append(f"common_confidence must be 0 or more, got {self.common_confidence!r}")
        if not self.common_confidence_young >= 0:
            problems.append(f"common_confidence_young must be 0 or more, got {self.common_confidence_young!r}")
        if self.tokenizer not in TOKENIZERS:
            problems.append(f"tokenizer must be one of {', '.join(TOKENIZERS)}, got {self.tokenizer!r}")
        unknown = [name for name in self.normalizations if name not in SYNTAX_NORMALIZATIONS]
        if not isinstance(self.normalizations, tuple) or unknown:
            problems.append(f"normalizations must be a tuple of {', '.join(SYNTAX_NORMALIZATIONS)}, "
                            f"got {self.normalizations!r}")
        _raise_problems(self, problems)


def default_workers() -> int:
    """Processes for reading submissions: the cores we may use, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


@dataclass(frozen=True)
class CheckOptions:
    """Everything one ``check`` run needs besides its inputs."""

    min_similarity: float = MIN_SIMILARITY
    workers: int = field(default_factory=default_workers)
    unpack: UnpackLimits = UnpackLimits()
    match: MatchOptions = MatchOptions()

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.workers, int) or self.workers < 1:
            problems.append(f"workers must be a positive integer, got {self.workers!r}")
        if not 0 <= self.min_similarity <= 1:
            problems.append(f"min_similarity must be in [0, 1], got {self.min_similarity!r}")
        _raise_problems(self, problems)
