"""Tampering: characters and formatting that hide a copy from a matcher, folded away and flagged.

Three tricks take a minute and used to hide a copy completely (issue 12):

- invisible characters between letters (zero-width spaces, soft hyphens, bidi controls, Unicode
  tag characters): every word is split in two for a matcher, not for a reader;
- look-alike letters from other scripts (Cyrillic ``а``, ``е``, ``о``, ``р``, ``с`` for Latin
  ``a``, ``e``, ``o``, ``p``, ``c``; fullwidth ``ｃ``): the words read the same but are others;
- hidden text in a document (white or tiny filler words, the hidden property, text off the
  page), which dilutes a copy with words no reader sees. The extractors leave it out and count
  it with ``HiddenText``; the two tricks above are folded here, before tokenizing.

``fold_text`` is what the tokenizers see. It never removes or adds a newline, so every line
number of the evidence stays right; columns on a line that held invisible characters move left
by as many (units keep lines only). Legitimate text keeps its letters: a look-alike letter is
folded to Latin only inside a word that is otherwise Latin (``сopy``), or when the whole word is
look-alikes of one script on a line whose words are mostly Latin (``сору`` in English prose); a
Russian word (``копия``) or a Russian line is never touched, nor Greek in ``αβ`` alone.

``scan`` counts what folding changed, for the report: a ``Flag`` per trick per file. A flag is
evidence, not a verdict: a soft hyphen pasted from a web page is not plagiarism.

Sources: the invisible characters are Unicode's Default_Ignorable_Code_Point property
(DerivedCoreProperties.txt); the look-alikes are Unicode's confusables (UTS #39,
confusables.txt) and script data as shipped by the maintained ``confusable_homoglyphs`` package,
restricted to letters that look like one ASCII letter.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from confusable_homoglyphs import categories, confusables

from .model import Document, Flag

INVISIBLE_CHARACTERS = "invisible_characters"
HOMOGLYPHS = "homoglyphs"
HIDDEN_TEXT = "hidden_text"
KINDS = (HIDDEN_TEXT, INVISIBLE_CHARACTERS, HOMOGLYPHS)

# Default_Ignorable_Code_Point, Unicode 15.1 DerivedCoreProperties.txt: code points a renderer
# shows as nothing. The property has been stable since Unicode 4; the unassigned ones in it are
# kept so a future character cannot slip through.
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),    # soft hyphen
    (0x034F, 0x034F),    # combining grapheme joiner
    (0x061C, 0x061C),    # Arabic letter mark
    (0x115F, 0x1160),    # Hangul fillers
    (0x17B4, 0x17B5),    # Khmer inherent vowels
    (0x180B, 0x180F),    # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),    # zero width space, non-joiner, joiner; LRM, RLM
    (0x202A, 0x202E),    # bidi embeddings and overrides
    (0x2060, 0x206F),    # word joiner, invisible operators, bidi isolates, deprecated formats
    (0x3164, 0x3164),    # Hangul filler
    (0xFE00, 0xFE0F),    # variation selectors
    (0xFEFF, 0xFEFF),    # zero width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),    # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),    # unassigned
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol formatting
    (0xE0000, 0xE0FFF),  # tag characters, variation selectors supplement
)
_INVISIBLE = re.compile(
    "[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _IGNORABLE_RANGES) + "]+"
)
# Scripts whose words a look-alike letter of another script can hide in, and in which a joiner
# or direction mark has no business inside a word (Persian, Indic and Hebrew text need them).
_LGC = frozenset({"LATIN", "GREEK", "CYRILLIC"})
# Fullwidth ASCII letters and digits: NFKC folds them, and they are look-alikes all the same.
_FULLWIDTH = MappingProxyType(
    {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                      *range(0xFF41, 0xFF5B))}
)
_WORD = re.compile(r"\w+")
# Latin letters (ASCII, Latin-1, Latin Extended-A and -B) and fullwidth Latin letters.
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f\uff21-\uff3a\uff41-\uff5a]")
# Words of a line that must be Latin, as a share of its words, for a word made only of
# look-alikes to be folded: an English sentence, not a Russian one quoting an English term.
# Half, a majority: a judgment, not fitted; `scan` finds no flag in any file of the real sets
# (docs/benchmarks.md, "Tampering").
LATIN_LINE_SHARE = 0.5
# Examples a flag's detail quotes; more would drown the page.
EXAMPLES = 3


@functools.lru_cache(maxsize=8192)
def _script(char: str) -> str:
    """The script of a character (LATIN, CYRILLIC, GREEK, COMMON...); cached, since a text
    uses few distinct characters and the lookup is a binary search in Python."""
    return "LATIN" if char.isascii() else categories.alias(char)


@functools.cache
def lookalikes() -> Mapping[str, str]:
    """Non-Latin letters that look like one ASCII letter -> that letter (Cyrillic ``а`` -> ``a``).

    Built once from Unicode's confusables. Their prototype for ``I`` is ``l``; an upper-case
    look-alike of it (Cyrillic ``І``, Greek ``Ι``) stands for ``I`` in a Latin word.
    """
    table: dict[str, str] = {}
    for char, similar in confusables.confusables_data.items():
        if len(char) != 1 or not char.isalpha() or _script(char) == "LATIN":
            continue
        latin = sorted(c["c"] for c in similar
                       if len(c["c"]) == 1 and c["c"].isascii() and c["c"].isalpha())
        if latin:
            target = latin[0]
            table[char] = "I" if target == "l" and char.isupper() else target
    return MappingProxyType(table)


@functools.cache
def _triggers() -> frozenset[str]:
    """Every character folding may change: look-alikes and fullwidth letters and digits.

    Tested with set operations: a regular expression class of these 1,100 characters took
    3 s a megabyte of French.
    """
    return frozenset(lookalikes()) | frozenset(chr(code) for code in _FULLWIDTH)


@dataclass(frozen=True)
class _Folded:
    """One line with its look-alikes folded, and what was folded (script -> letters)."""

    text: str
    letters: Counter[str]
    words: tuple[str, ...]


@functools.lru_cache(maxsize=65536)
def _is_latin_word(word: str) -> bool:
    """A word of Latin letters, look-alikes allowed beside at least one Latin letter."""
    if word.isascii():
        return True
    table = lookalikes()
    letters = [c for c in word if c.isalpha()]
    latin = [c for c in letters if _script(c) == "LATIN"]
    return bool(latin) and all(c in table for c in letters if _script(c) != "LATIN")


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str, latin_line: bool) -> tuple[str, tuple[tuple[str, int], ...]] | None:
    """The word with its look-alikes in Latin and how many letters of which script it folded,
    or None when it must keep its letters. Cached: words repeat."""
    table = lookalikes()
    letters = [c for c in word if c.isalpha()]
    foreign = [c for c in letters if _script(c) != "LATIN"]
    fullwidth = [c for c in word if ord(c) in _FULLWIDTH]
    if any(c not in table for c in foreign):
        return None  # a real word of another script (Russian, Greek), or one with some
    scripts = {_script(c) for c in foreign}
    latin = len(letters) - len(foreign) - sum(1 for c in fullwidth if c.isalpha())
    mixed = latin > 0 or bool(fullwidth)
    whole = not latin and len(scripts) == 1 and latin_line
    if foreign and not (mixed or whole):
        return None
    counted: Counter[str] = Counter(_script(c).capitalize() for c in foreign)
    if fullwidth:
        counted["fullwidth"] += len(fullwidth)
    folded = "".join(table.get(c) or chr(_FULLWIDTH.get(ord(c), ord(c))) for c in word)
    return folded, tuple(sorted(counted.items()))


def _fold_line(line: str) -> _Folded:
    triggers = _triggers()
    # A line without a Latin letter has no Latin word to fold into: Russian or Greek prose.
    if triggers.isdisjoint(line) or not _LATIN_LETTER.search(line):
        return _Folded(line, Counter(), ())
    words = _WORD.findall(line)
    latin_words = sum(1 for w in words if _is_latin_word(w))
    latin_line = bool(words) and latin_words / len(words) > LATIN_LINE_SHARE
    letters: Counter[str] = Counter()
    examples: list[str] = []

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        if triggers.isdisjoint(word):
            return word
        folded = _fold_word(word, latin_line)
        if folded is None:
            return word
        letters.update(dict(folded[1]))
        examples.append(word)
        return folded[0]

    return _Folded(_WORD.sub(replace, line), letters, tuple(examples))


def strip_invisible(text: str) -> str:
    """``text`` without default-ignorable characters; newlines are never among them."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def fold_text(text: str) -> str:
    """What a tokenizer should read: invisible characters removed, look-alike letters folded to
    Latin where they stand for Latin (see the module's doc); the same lines as ``text``."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text)
    if _triggers().isdisjoint(text):
        return text
    return "\n".join(_fold_line(line).text for line in text.split("\n"))


def _hides_in_word(text: str, start: int, end: int) -> bool:
    """Whether an invisible run at ``text[start:end]`` is a trick rather than typography.

    It is one when it touches a Latin, Greek or Cyrillic letter or digit, unless it follows a
    symbol: variation selectors, joiners and tags after an emoji build the emoji itself.
    """
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before and unicodedata.category(before)[0] == "S":
        return False
    if text[start:end] == "\ufeff" and before in ("", "\n"):
        return False  # a byte order mark opening a file, or a file pasted after another

    def lgc(char: str) -> bool:
        return char.isalnum() and _script(char) in _LGC

    return lgc(before) or lgc(after)


def _char_name(char: str) -> str:
    if 0xE0000 <= ord(char) <= 0xE007F:
        return "tag character"
    return unicodedata.name(char, f"U+{ord(char):04X}").lower()


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{name} ×{n}" for name, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))


def _invisible_flag(path: str, text: str) -> Flag | None:
    names: Counter[str] = Counter()
    first_line = 0
    for match in _INVISIBLE.finditer(text):
        if not _hides_in_word(text, match.start(), match.end()):
            continue
        names.update(_char_name(c) for c in match.group())
        first_line = first_line or text.count("\n", 0, match.start()) + 1
    if not names:
        return None
    count = sum(names.values())
    return Flag(path, INVISIBLE_CHARACTERS, count,
                f"{count} invisible character{'s' if count > 1 else ''} in or beside words "
                f"({_tally(names)}), first on line {first_line}; removed before comparing")


def _homoglyph_flag(path: str, text: str) -> Flag | None:
    scripts: Counter[str] = Counter()
    examples: list[str] = []
    first_line = 0
    for number, line in enumerate(strip_invisible(text).split("\n"), start=1):
        folded = _fold_line(line)
        if folded.letters:
            scripts.update(folded.letters)
            first_line = first_line or number
            for word in folded.words:
                if len(examples) < EXAMPLES and word not in examples:
                    examples.append(word)
    if not scripts:
        return None
    count = sum(scripts.values())
    # The look-alikes of each example in brackets, with their code points: they look Latin.
    triggers = _triggers()
    quoted = ", ".join("“" + "".join(f"[{c}]" if c in triggers else c for c in word) + "”"
                       for word in examples)
    used = sorted({c for word in examples for c in word if c in triggers})
    points = ", ".join(f"U+{ord(c):04X}" for c in used)
    return Flag(path, HOMOGLYPHS, count,
                f"{count} letter{'s' if count > 1 else ''} from other scripts that look Latin, "
                f"in Latin words ({_tally(scripts)}), first on line {first_line}: {quoted} "
                f"(look-alikes in brackets: {points}); read as Latin before comparing")


def scan(path: str, text: str) -> tuple[Flag, ...]:
    """The invisible-character and look-alike flags of one document's text (none if clean)."""
    if text.isascii():
        return ()
    found = (_invisible_flag(path, text), _homoglyph_flag(path, text))
    return tuple(flag for flag in found if flag is not None)


@dataclass
class HiddenText:
    """Words an extractor left out because no reader sees them, counted by why.

    ``reasons`` name what hid a run ("white or near-background colour", "2 pt or smaller", ...);
    a run hidden several ways is counted once, under all of its reasons.
    """

    words: Counter[str] = field(default_factory=Counter)

    def add(self, reasons: Iterable[str], text: str) -> None:
        count = len(text.split())
        if count:
            self.words[" and ".join(reasons)] += count

    def flags(self, path: str) -> tuple[Flag, ...]:
        if not self.words:
            return ()
        count = sum(self.words.values())
        return (Flag(path, HIDDEN_TEXT, count,
                     f"{count} word{'s' if count > 1 else ''} a reader cannot see "
                     f"({_tally(self.words)}); left out of the comparison"),)


def sorted_flags(flags: Iterable[Flag]) -> list[Flag]:
    """Flags in report order: by file, then hidden text, invisible characters, look-alikes."""
    return sorted(flags, key=lambda f: (f.file, KINDS.index(f.kind) if f.kind in KINDS else 99,
                                        f.kind))


def submission_flags(documents: Iterable[Document]) -> list[dict[str, object]]:
    """The flags of a submission's files, in report order, as the reports carry them."""
    return [flag.to_dict() for flag in sorted_flags(f for d in documents for f in d.flags)]


# Colours and sizes under which text counts as hidden, shared by the document extractors.
# WCAG's contrast ratio: 1.0 for the same colour, 21 for black on white. Below 1.25 (#EEEEEE on
# white is 1.16, #DDDDDD 1.36) a reader sees no text where a word is.
MIN_CONTRAST = 1.25
# Text this small or smaller is hidden: a judgment, not measured, twice the white 1-point
# filler of issue 12's trick (docs/benchmarks.md, "Tampering").
MAX_HIDDEN_POINTS = 2.0
TINY = f"{MAX_HIDDEN_POINTS:g} pt or smaller"
NEAR_BACKGROUND = "white or near-background colour"
MARKED_HIDDEN = "marked hidden"
OFF_PAGE = "outside the page or slide"
INVISIBLE_MODE = "invisible render mode"


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours given as 0-1 channels."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(value: str | None) -> tuple[float, float, float] | None:
    """``"FFFFFF"`` -> (1.0, 1.0, 1.0); None for ``auto`` or anything that is not 6 hex digits."""
    if not value or not re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        return None
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


WHITE = (1.0, 1.0, 1.0)


def invisible_on(colour: tuple[float, float, float] | None,
                 background: tuple[float, float, float] = WHITE) -> bool:
    """Whether text of ``colour`` cannot be told from ``background``."""
    return colour is not None and contrast(colour, background) < MIN_CONTRAST
