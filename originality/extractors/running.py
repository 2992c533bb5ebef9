"""Running heads and feet: the lines a document repeats at the top or bottom of every page.

A PDF's page header ("Rapport de projet - Groupe 4"), a slide deck's footer ("Université de
Lyon - Génie logiciel - Juin 2026") and a page number are printed on every page of a document.
Read as prose, two independent decks that shared only their school's footer scored 0.96 and two
independent reports sharing a page header 0.62 to 0.89 (audit, Dec 2026): the repeated line
made a long common run on every page. Such a line is kept where it first appears, so the text
still says it once, and left out of the other pages.

A line is a running head or foot when, with its digits folded ("page 3/7" is "page 4/7") and
its spacing collapsed, it is among the first or last ``EDGE_LINES`` lines of at least
``MIN_PAGES`` pages and of at least half of them. A line repeated in the middle of pages (a
table's heading, a refrain) is not touched, nor a document of fewer pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# How many lines at the top and at the bottom of a page may be its head or foot: a judgment from
# what students' tools print there (a title, a course or a date, a page number), each of which
# a PDF's text may give as a line of its own.
EDGE_LINES = 3
# Pages a line must head or foot before it is taken for a running line: a judgment; on two pages
# a shared first line is as likely a repeated title of the student's own.
MIN_PAGES = 3

_DIGITS = re.compile(r"\d+")


def _key(line: str) -> str:
    """What two prints of one running line share: digits folded, spacing collapsed."""
    return _DIGITS.sub("0", " ".join(line.split()).casefold())


def _edges(lines: Sequence[str]) -> list[int]:
    """Indexes of a page's first and last ``EDGE_LINES`` lines with text."""
    filled = [index for index, line in enumerate(lines) if line.strip()]
    if len(filled) <= 2 * EDGE_LINES:
        return filled
    return filled[:EDGE_LINES] + filled[-EDGE_LINES:]


def drop_running_lines(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """The pages' lines without their running heads and feet past the first print of each."""
    edges = [_edges(lines) for lines in pages]
    pages_with: dict[str, int] = {}
    for lines, indexes in zip(pages, edges):
        for key in {_key(lines[index]) for index in indexes}:
            pages_with[key] = pages_with.get(key, 0) + 1
    needed = max(MIN_PAGES, (len(pages) + 1) // 2)
    running = {key for key, count in pages_with.items() if count >= needed and key}
    seen: set[str] = set()
    kept_pages = []
    for lines, indexes in zip(pages, edges):
        dropped = set()
        for index in indexes:
            key = _key(lines[index])
            if key in running:
                if key in seen:
                    dropped.add(index)
                seen.add(key)
        kept_pages.append([line for index, line in enumerate(lines) if index not in dropped])
    return kept_pages
