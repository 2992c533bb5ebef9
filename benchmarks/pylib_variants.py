"""Hand-written Python solutions for the gradebook assignment, several per task.

Each task maps to a list of genuinely different implementations (different algorithms,
library calls, control flow), written with canonical local names that ``gen_python``
renames per student. A variant may define private helpers or constants beside its function;
they travel together. Required tasks are in the assignment spec (names fixed by the spec);
optional ones are extras some students add.
"""

from __future__ import annotations

REQUIRED: dict[str, list[str]] = {}
OPTIONAL: dict[str, list[str]] = {}

REQUIRED["mean"] = [
    '''
def mean(values):
    if not values:
        return 0.0
    return sum(values) / len(values)
''',
    '''
def mean(values):
    total = 0
    count = 0
    for item in values:
        total += item
        count += 1
    if count == 0:
        return 0.0
    return total / count
''',
    '''
def mean(values):
    import statistics
    return statistics.fmean(values) if len(values) > 0 else 0.0
''',
    '''
def mean(values):
    acc = 0.0
    for i in range(len(values)):
        acc = acc + (values[i] - acc) / (i + 1)
    return acc
''',
]

REQUIRED["median"] = [
    '''
def median(values):
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return 0.0
    mid = n // 2
    if n % 2 == 1:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2
''',
    '''
def median(values):
    import statistics
    if len(values) == 0:
        return 0.0
    return float(statistics.median(values))
''',
    '''
def median(values):
    ordered = list(values)
    ordered.sort()
    while len(ordered) > 2:
        ordered = ordered[1:-1]
    if not ordered:
        return 0.0
    return sum(ordered) / len(ordered)
''',
    '''
def median(values):
    if not values:
        return 0.0
    ordered = sorted(values)
    lo = (len(ordered) - 1) // 2
    hi = len(ordered) // 2
    return (ordered[lo] + ordered[hi]) / 2.0
''',
]

REQUIRED["stdev"] = [
    '''
def stdev(values):
    if len(values) < 2:
        return 0.0
    avg = mean(values)
    squares = [(item - avg) ** 2 for item in values]
    return (sum(squares) / len(values)) ** 0.5
''',
    '''
def stdev(values):
    import math
    n = len(values)
    if n == 0:
        return 0.0
    total = sum(values)
    total_sq = sum(item * item for item in values)
    return math.sqrt(max(total_sq / n - (total / n) ** 2, 0.0))
''',
    '''
def stdev(values):
    import statistics
    return statistics.pstdev(values) if values else 0.0
''',
    '''
def stdev(values):
    count = 0
    avg = 0.0
    acc = 0.0
    for item in values:
        count += 1
        delta = item - avg
        avg += delta / count
        acc += delta * (item - avg)
    if count == 0:
        return 0.0
    return (acc / count) ** 0.5
''',
]

REQUIRED["letter_grade"] = [
    '''
def letter_grade(score):
    if score >= 90:
        return "A"
    elif score >= 80:
        return "B"
    elif score >= 70:
        return "C"
    elif score >= 60:
        return "D"
    return "F"
''',
    '''
GRADE_BOUNDS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def letter_grade(score):
    for cutoff, label in GRADE_BOUNDS:
        if score >= cutoff:
            return label
    return "F"
''',
    '''
def letter_grade(score):
    import bisect
    cutoffs = [60, 70, 80, 90]
    return "FDCBA"[bisect.bisect_right(cutoffs, score)]
''',
    '''
def letter_grade(score):
    key = min(int(score) // 10, 10)
    table = {10: "A", 9: "A", 8: "B", 7: "C", 6: "D"}
    return table.get(key, "F")
''',
]

REQUIRED["top_n"] = [
    '''
def top_n(students, n):
    ordered = sorted(students, key=lambda record: record.score, reverse=True)
    return ordered[:n]
''',
    '''
def top_n(students, n):
    import heapq
    return heapq.nlargest(n, students, key=lambda record: record.score)
''',
    '''
def top_n(students, n):
    remaining = list(students)
    result = []
    while remaining and len(result) < n:
        best = remaining[0]
        for record in remaining:
            if record.score > best.score:
                best = record
        remaining.remove(best)
        result.append(best)
    return result
''',
    '''
def top_n(students, n):
    from operator import attrgetter
    result = sorted(students, key=attrgetter("score"))
    result.reverse()
    return result[0:max(n, 0)]
''',
]

REQUIRED["group_by_letter"] = [
    '''
def group_by_letter(students):
    groups = {}
    for record in students:
        key = letter_grade(record.score)
        if key not in groups:
            groups[key] = []
        groups[key].append(record.name)
    return groups
''',
    '''
def group_by_letter(students):
    from collections import defaultdict
    groups = defaultdict(list)
    for record in students:
        groups[letter_grade(record.score)].append(record.name)
    return dict(groups)
''',
    '''
def group_by_letter(students):
    groups = {}
    for key in "ABCDF":
        names = [record.name for record in students if letter_grade(record.score) == key]
        if names:
            groups[key] = names
    return groups
''',
    '''
def group_by_letter(students):
    groups = {}
    for record in students:
        groups.setdefault(letter_grade(record.score), []).append(record.name)
    return groups
''',
]

REQUIRED["histogram"] = [
    '''
def histogram(scores, bin_size=10):
    counts = {}
    for score in scores:
        bucket = int(score) // bin_size * bin_size
        counts[bucket] = counts.get(bucket, 0) + 1
    lines = []
    for bucket in sorted(counts):
        lines.append(f"{bucket:3d}-{bucket + bin_size - 1:3d}: {'*' * counts[bucket]}")
    return lines
''',
    '''
def histogram(scores, bin_size=10):
    from collections import Counter
    counts = Counter(int(score) // bin_size for score in scores)
    return ["%d-%d: %s" % (k * bin_size, k * bin_size + bin_size - 1, "#" * counts[k]) for k in sorted(counts)]
''',
    '''
def histogram(scores, bin_size=10):
    if not scores:
        return []
    top = int(max(scores))
    lines = []
    start = 0
    while start <= top:
        count = 0
        for score in scores:
            if start <= score < start + bin_size:
                count += 1
        lines.append(str(start) + "-" + str(start + bin_size - 1) + ": " + "*" * count)
        start += bin_size
    return lines
''',
    '''
def histogram(scores, bin_size=10):
    bins = [0] * (100 // bin_size + 1)
    for score in scores:
        index = min(int(score) // bin_size, len(bins) - 1)
        bins[index] += 1
    result = []
    for index, count in enumerate(bins):
        if count:
            label = "{}-{}".format(index * bin_size, index * bin_size + bin_size - 1)
            result.append(label.rjust(7) + " | " + "=" * count)
    return result
''',
]

REQUIRED["normalize_name"] = [
    '''
def normalize_name(name):
    parts = name.strip().split()
    return " ".join(part.capitalize() for part in parts)
''',
    '''
def normalize_name(name):
    import re
    cleaned = re.sub(r"\\s+", " ", name).strip()
    return cleaned.title()
''',
    '''
def normalize_name(name):
    result = []
    new_word = True
    for ch in name.strip():
        if ch.isspace():
            if not new_word:
                result.append(" ")
            new_word = True
        else:
            result.append(ch.upper() if new_word else ch.lower())
            new_word = False
    return "".join(result).strip()
''',
    '''
def normalize_name(name):
    words = []
    for word in name.split(" "):
        if word == "":
            continue
        words.append(word[0].upper() + word[1:].lower())
    return " ".join(words)
''',
]

REQUIRED["is_valid_email"] = [
    '''
def is_valid_email(email):
    import re
    return re.fullmatch(r"[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+", email) is not None
''',
    '''
def is_valid_email(email):
    if email.count("@") != 1:
        return False
    local, domain = email.split("@")
    if not local or "." not in domain:
        return False
    return not domain.startswith(".") and not domain.endswith(".")
''',
    '''
def is_valid_email(email):
    at = email.find("@")
    if at <= 0 or at != email.rfind("@"):
        return False
    domain = email[at + 1:]
    dot = domain.rfind(".")
    return 0 < dot < len(domain) - 1 and " " not in email
''',
    '''
ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789._-+")


def is_valid_email(email):
    parts = email.lower().split("@")
    if len(parts) != 2:
        return False
    for part in parts:
        if not part or any(ch not in ALLOWED for ch in part):
            return False
    return "." in parts[1]
''',
]

REQUIRED["format_table"] = [
    '''
def format_table(rows, headers):
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(str(cell)))
    lines = [" | ".join(h.ljust(widths[i]) for i, h in enumerate(headers))]
    lines.append("-+-".join("-" * w for w in widths))
    for row in rows:
        lines.append(" | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)))
    return "\\n".join(lines)
''',
    '''
def format_table(rows, headers):
    table = [list(map(str, headers))] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    out = []
    for row in table:
        out.append("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    return "\\n".join(out)
''',
    '''
def format_table(rows, headers):
    columns = list(zip(*([headers] + [list(row) for row in rows])))
    widths = []
    for column in columns:
        widths.append(max(len(str(cell)) for cell in column))
    fmt = " ".join("{:<%d}" % w for w in widths)
    text = fmt.format(*headers) + "\\n"
    for row in rows:
        text += fmt.format(*[str(cell) for cell in row]) + "\\n"
    return text.rstrip("\\n")
''',
]

OPTIONAL["word_frequencies"] = [
    '''
def word_frequencies(text):
    from collections import Counter
    return dict(Counter(word.strip(".,;:!?").lower() for word in text.split() if word.strip(".,;:!?")))
''',
    '''
def word_frequencies(text):
    import re
    freq = {}
    for word in re.findall(r"[a-z']+", text.lower()):
        freq[word] = freq.get(word, 0) + 1
    return freq
''',
    '''
def word_frequencies(text):
    freq = {}
    word = ""
    for ch in text.lower() + " ":
        if ch.isalpha():
            word += ch
        elif word:
            if word in freq:
                freq[word] += 1
            else:
                freq[word] = 1
            word = ""
    return freq
''',
]

OPTIONAL["find_student"] = [
    '''
def find_student(students, name):
    for record in students:
        if record.name.lower() == name.lower():
            return record
    return None
''',
    '''
def find_student(students, name):
    matches = [record for record in students if record.name.casefold() == name.casefold()]
    return matches[0] if matches else None
''',
    '''
def find_student(students, name):
    ordered = sorted(students, key=lambda record: record.name.lower())
    lo, hi = 0, len(ordered) - 1
    target = name.lower()
    while lo <= hi:
        mid = (lo + hi) // 2
        current = ordered[mid].name.lower()
        if current == target:
            return ordered[mid]
        if current < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return None
''',
    '''
def find_student(students, name):
    index = {record.name.lower(): record for record in students}
    return index.get(name.lower())
''',
]

OPTIONAL["moving_average"] = [
    '''
def moving_average(values, k):
    result = []
    for i in range(len(values) - k + 1):
        window = values[i:i + k]
        result.append(sum(window) / k)
    return result
''',
    '''
def moving_average(values, k):
    if k <= 0 or k > len(values):
        return []
    total = sum(values[:k])
    result = [total / k]
    for i in range(k, len(values)):
        total += values[i] - values[i - k]
        result.append(total / k)
    return result
''',
    '''
def moving_average(values, k):
    from collections import deque
    window = deque()
    result = []
    for item in values:
        window.append(item)
        if len(window) > k:
            window.popleft()
        if len(window) == k:
            result.append(sum(window) / k)
    return result
''',
]

OPTIONAL["merge_sorted"] = [
    '''
def merge_sorted(left, right):
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged
''',
    '''
def merge_sorted(left, right):
    import heapq
    return list(heapq.merge(left, right))
''',
    '''
def merge_sorted(left, right):
    if not left:
        return list(right)
    if not right:
        return list(left)
    if left[0] <= right[0]:
        return [left[0]] + merge_sorted(left[1:], right)
    return [right[0]] + merge_sorted(left, right[1:])
''',
]

OPTIONAL["percentile"] = [
    '''
def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)
''',
    '''
def percentile(values, p):
    import math
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return float(ordered[index])
''',
    '''
def percentile(values, p):
    count = 0
    ordered = sorted(values)
    for item in ordered:
        count += 1
        if count / len(ordered) * 100 >= p:
            return float(item)
    return 0.0
''',
]

OPTIONAL["save_report"] = [
    '''
def save_report(path, lines):
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\\n")
''',
    '''
def save_report(path, lines):
    from pathlib import Path
    Path(path).write_text("\\n".join(lines) + "\\n", encoding="utf-8")
''',
    '''
def save_report(path, lines):
    fh = open(path, "w")
    try:
        fh.writelines(line + "\\n" for line in lines)
    finally:
        fh.close()
''',
]

# What main() prints, per task: (call template, message pool).
CALLS: dict[str, tuple[str, list[str]]] = {
    "mean": ("mean(scores)", ["Average score", "Mean", "Class average", "avg"]),
    "median": ("median(scores)", ["Median score", "Median", "Middle value", "med"]),
    "stdev": ("stdev(scores)", ["Standard deviation", "Std dev", "Spread", "sd"]),
    "letter_grade": ("[letter_grade(s) for s in scores]", ["Letters", "Grades", "Letter grades", "letters"]),
    "top_n": ("[s.name for s in top_n(students, args.top)]", ["Top students", "Best", "Top", "Leaders"]),
    "group_by_letter": ("group_by_letter(students)", ["By grade", "Groups", "Grouped", "Per letter"]),
    "histogram": ("'\\n'.join(histogram(scores))", ["Histogram", "Distribution", "Score histogram", "hist"]),
    "normalize_name": ("[normalize_name(s.name) for s in students]", ["Names", "Clean names", "Normalized", "names"]),
    "is_valid_email": ("[s.email for s in students if not is_valid_email(s.email)]",
                       ["Bad emails", "Invalid emails", "Check emails", "Wrong addresses"]),
    "format_table": ("format_table([(s.name, s.score) for s in students], ['name', 'score'])",
                     ["Table", "All students", "Overview", "Results"]),
    "word_frequencies": ("word_frequencies(' '.join(s.name for s in students))", ["Name words", "Word counts", "Frequencies"]),
    "find_student": ("find_student(students, students[0].name) if students else None", ["Lookup", "Found", "First student"]),
    "moving_average": ("moving_average(scores, 3)", ["Moving average", "Smoothed", "Rolling mean"]),
    "merge_sorted": ("merge_sorted(sorted(scores[::2]), sorted(scores[1::2]))", ["Merged", "Sorted scores", "All sorted"]),
    "percentile": ("percentile(scores, 90)", ["90th percentile", "P90", "Top decile"]),
    "save_report": ("save_report('report.txt', [str(s) for s in scores])", ["Saved", "Report written", "Wrote report"]),
}

# Standalone programs (no starter code) read the CSV themselves.
STANDALONE: dict[str, list[str]] = {}
STANDALONE["load_students"] = [
    '''
import csv
from dataclasses import dataclass


@dataclass
class Student:
    name: str
    email: str
    score: float


def load_students(path):
    students = []
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if len(row) >= 3:
                students.append(Student(row[0].strip(), row[1].strip(), float(row[2])))
    return students
''',
    '''
from collections import namedtuple

Record = namedtuple("Record", "name email score")


def load_students(path):
    result = []
    with open(path) as fh:
        lines = fh.read().splitlines()[1:]
    for line in lines:
        fields = [part.strip() for part in line.split(",")]
        if len(fields) == 3 and fields[2]:
            result.append(Record(fields[0], fields[1], float(fields[2])))
    return result
''',
    '''
import csv


class Pupil:
    def __init__(self, name, email, score):
        self.name = name
        self.email = email
        self.score = score

    def __repr__(self):
        return f"Pupil({self.name!r}, {self.score})"


def load_students(path):
    with open(path, encoding="utf-8") as fh:
        return [Pupil(row["name"], row["email"], float(row["score"])) for row in csv.DictReader(fh) if row.get("score")]
''',
]
