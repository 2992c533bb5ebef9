"""Jupyter notebooks: code cells as CODE, Markdown and raw cells as PROSE, outputs ignored.

A picture written into a Markdown cell as a ``data:`` URI is left out (``text.without_inline_data``).

Outputs are left out on purpose: they are produced by the code (so they repeat what the code
already shows) and identical datasets make identical outputs for honest students.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import interruptions
from ..model import SegmentKind
from .base import Extracted, Extractor, TextBuilder, unreadable
from .languages import language_for_path, language_for_tag
from .text import decode_text, without_inline_data

DEFAULT_LANGUAGE = "python"

# Cell magics that switch a cell to another language (IPython's %%bash, %%sql, ...).
_MAGIC_LANGUAGES: dict[str, str] = {
    "bash": "bash", "sh": "bash", "script": "bash", "sql": "sql", "html": "html",
    "javascript": "javascript", "js": "javascript", "latex": "latex", "r": "r",
    "ruby": "ruby", "perl": "perl", "python": "python", "python3": "python",
}


def _source(cell: Mapping[str, Any]) -> str:
    # Notebook JSON stores a source as one string or a list of lines; format 3 code cells kept
    # theirs under "input".
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def _kernel_language(metadata: Mapping[str, Any]) -> str | None:
    """The notebook's language as a lexer alias: Python when it does not say, None if unknown.

    An unknown language (a kernel Pygments has no lexer for) gives None rather than Python: lexing it as
    Python would produce error tokens, while the normalizer reads None-language code as words.
    """
    declared = [
        section.get(field)
        for section, field in (
            (metadata.get("kernelspec"), "language"),
            (metadata.get("language_info"), "name"),
            (metadata, "language"),  # nbformat 3 kept it here
        )
        if isinstance(section, Mapping)
    ]
    names = [name for name in declared if isinstance(name, str) and name.strip()]
    for name in names:
        language = language_for_tag(name)
        if language is not None:
            return language
    return None if names else DEFAULT_LANGUAGE


def _cell_language(source: str, kernel: str | None) -> str | None:
    """A ``%%bash``-style magic switches one cell's language; ``%%writefile`` names a file."""
    if not source.startswith("%%"):
        return kernel
    words = source.split("\n", 1)[0][2:].split()
    if not words:
        return kernel
    magic = words[0].lower()
    if magic == "writefile" and len(words) > 1:
        return language_for_path(words[-1]) or kernel
    return _MAGIC_LANGUAGES.get(magic, kernel)


def _load(text: str) -> tuple[Mapping[str, Any], list[Any]]:
    """Metadata and cells of a notebook of any format version.

    Format 4 (and later minor versions) is read as the JSON it is; nbformat's validation is
    not needed to find cells, and a notebook with a schema error still has readable ones.
    Formats 1-3 are converted by nbformat; if that fails, format 3's worksheets are read
    directly.
    """
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise unreadable(f"notebook is not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise unreadable("notebook is not a JSON object")
    version = raw.get("nbformat")
    if isinstance(version, int) and 1 <= version < 4:
        try:
            from nbformat import from_dict  # only for old notebooks (see extractors/__init__.py)
            from nbformat.converter import convert

            converted = convert(from_dict(raw), 4)
            if isinstance(converted.get("cells"), list):
                return converted.get("metadata") or {}, converted["cells"]
        except interruptions():
            raise
        except Exception:  # nbformat raises many kinds on odd files; read the JSON below
            pass
    cells = raw.get("cells")
    worksheets = raw.get("worksheets")
    if cells is None and isinstance(worksheets, list) and worksheets:
        cells = worksheets[0].get("cells") if isinstance(worksheets[0], dict) else None
    if not isinstance(cells, list):
        raise unreadable("notebook has no list of cells")
    metadata = raw.get("metadata")
    return metadata if isinstance(metadata, dict) else {}, cells


class NotebookExtractor(Extractor):
    """One segment per non-empty cell, cells one blank line apart."""

    name = "Jupyter notebook"

    def extract(self, path: str, data: bytes) -> Extracted:
        metadata, cells = _load(decode_text(data, self.name))
        kernel = _kernel_language(metadata)
        builder = TextBuilder()
        for cell in cells:
            if not isinstance(cell, Mapping):
                continue
            source = _source(cell)
            if cell.get("cell_type") == "code":
                builder.add(source, SegmentKind.CODE, _cell_language(source, kernel))
            else:  # markdown, raw, and v3 heading cells
                builder.add(without_inline_data(source), SegmentKind.PROSE)
            if builder.full:
                break
        return builder.build()
