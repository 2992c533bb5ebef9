"""Extraction: every format round-trips, bad files get a state instead of an exception."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pygments.lexers import get_lexer_by_name
from pypdf import PdfReader, PdfWriter

from fixtures.documents import make_docx, make_ipynb, make_odt, make_pdf, make_pptx
from originality.check import load_submission
from originality.extract import (
    BINARY_EXTENSIONS,
    CODE_EXTENSIONS,
    DOCUMENT_EXTRACTORS,
    MAX_TEXT_CHARS,
    extract,
    language_for_path,
)
from originality.extractors import FILENAME_LANGUAGES, language_for_tag
from originality.check import unread_files
from originality.model import Document, DocumentState, Entry, Segment, SegmentKind
from originality.options import CheckOptions
from originality.units import SymbolTable

OK, EMPTY, UNREADABLE = DocumentState.OK, DocumentState.EMPTY, DocumentState.UNREADABLE
BINARY, SKIPPED = DocumentState.BINARY, DocumentState.SKIPPED
CODE, PROSE = SegmentKind.CODE, SegmentKind.PROSE
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def run(path: str, data: bytes) -> Document:
    document = extract(Entry(path, data))
    assert document.path == path
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    if document.state is OK:
        assert_segments_well_formed(document)
    else:
        assert document.text == "" and document.segments == ()
        assert document.detail
    return document


def assert_segments_well_formed(document: Document) -> None:
    lines = document.text.split("\n")
    previous_end = 0
    assert document.segments
    for segment in document.segments:
        assert previous_end < segment.start_line <= segment.end_line <= len(lines)
        previous_end = segment.end_line
        if segment.kind is PROSE:
            assert segment.language is None


def segment_text(document: Document, segment: Segment) -> str:
    lines = document.text.split("\n")
    return "\n".join(lines[segment.start_line - 1 : segment.end_line])


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alias", sorted(set(CODE_EXTENSIONS.values()) | set(FILENAME_LANGUAGES.values()))
)
def test_every_mapped_language_is_a_pygments_lexer(alias: str) -> None:
    assert get_lexer_by_name(alias) is not None


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/Main.java", "java"),
        ("analysis.R", "r"),
        ("analysis.r", "r"),
        ("solve.m", "matlab"),
        ("lib/util.H", "c"),
        ("app/Component.tsx", "tsx"),
        ("web/App.vue", "vue"),
        ("config.yml", "yaml"),
        ("Dockerfile", "docker"),
        ("docker/Dockerfile.dev", "docker"),
        ("Makefile", "make"),
        ("CMakeLists.txt", "cmake"),
        # Read as prose before, so a renamed copy of them matched on a few words only.
        ("src/fast.pyx", "cython"),
        ("game/player.gd", "gdscript"),
        ("web/index.jsp", "jsp"),
        ("shaders/light.frag", "glsl"),
        ("analysis.do", None),  # Stata, or not: ambiguous extensions stay out of the map
        ("README", None),
        ("notes.txt", None),
        ("report.md", None),
        ("index.html", None),
        (".bashrc", None),
    ],
)
def test_language_for_path_uses_the_explicit_map(path: str, language: str | None) -> None:
    assert language_for_path(path) == language


@pytest.mark.parametrize(
    ("tag", "language"),
    [("python", "python"), ("py", "python"), ("Python3", "python"), ("js", "javascript"),
     ("c++", "cpp"), ("r", "r"), ("text", None), ("", None), ("no-such-language", None)],
)
def test_fence_and_kernel_names_map_to_lexers_or_to_prose(tag: str, language: str | None) -> None:
    assert language_for_tag(tag) == language


# --- code and plain text --------------------------------------------------------------------


def test_source_file_is_one_code_segment_over_the_whole_text() -> None:
    source = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n"
    document = run("pkg/calc.py", source.encode())
    assert document.state is OK
    assert document.text == source
    assert document.segments == (Segment(CODE, 1, 4, "python"),)


def test_script_without_extension_is_code_by_its_shebang() -> None:
    document = run("bin/tool", b"#!/usr/bin/env python3\nimport sys\nprint(sys.argv)\n")
    assert document.segments == (Segment(CODE, 1, 3, "python"),)


def test_text_file_is_prose() -> None:
    document = run("docs/answers.txt", b"Question one.\nMy answer is here.\n")
    assert document.segments == (Segment(PROSE, 1, 2),)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("caf\u00e9 na\u00efve\n".encode("utf-8"), "caf\u00e9 na\u00efve\n"),
        (codecs.BOM_UTF8 + "caf\u00e9\n".encode("utf-8"), "caf\u00e9\n"),
        ("caf\u00e9 \u2014 \u20ac5\n".encode("utf-16"), "caf\u00e9 \u2014 \u20ac5\n"),
        (codecs.BOM_UTF16_BE + "caf\u00e9\n".encode("utf-16-be"), "caf\u00e9\n"),
        ("plain ascii in utf-16\n".encode("utf-16-le"), "plain ascii in utf-16\n"),
        ("\u201cquoted\u201d \u20ac5\n".encode("cp1252"), "\u201cquoted\u201d \u20ac5\n"),
        (b"undefined in cp1252: \x81\x8d\n", "undefined in cp1252: \x81\x8d\n"),
        # One undefined byte leaves the rest of the file Windows-1252: its "œ" and curly quotes.
        ("\u201cc\u0153ur\u201d \u0153uvre ".encode("cp1252") + b"\x9d\n", "\u201cc\u0153ur\u201d \u0153uvre \x9d\n"),
        (b"windows\r\nline\r\nends\rold mac\n", "windows\nline\nends\nold mac\n"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16-be-bom", "utf16-le-no-bom", "cp1252",
         "latin1-fallback", "cp1252-stray-byte", "newlines"],
)
def test_text_is_decoded_from_the_encodings_students_use(data: bytes, text: str) -> None:
    document = run("notes.txt", data)
    assert document.state is OK
    assert document.text == text


@pytest.mark.parametrize("data", [b"", b"   \n\t\n  ", "\n\n".encode("utf-16")])
def test_nothing_but_whitespace_is_empty(data: bytes) -> None:
    assert run("empty.py", data).state is EMPTY


def test_a_ten_megabyte_line_is_kept_but_truncated() -> None:
    data = b"x = 1; " * (10 * 1024 * 1024 // 7)
    document = run("generated.py", data)
    assert document.state is OK
    assert len(document.text) == MAX_TEXT_CHARS
    assert document.segments == (Segment(CODE, 1, 1, "python"),)
    assert "truncated" in document.detail


def test_truncation_cuts_at_a_line_end_and_clips_segments() -> None:
    line = "word " * 20 + "\n"  # 101 characters
    data = ("# Title\n\n" + line * (MAX_TEXT_CHARS // len(line) + 50)
            + "```python\nprint('never seen')\n```\n").encode()
    document = run("long.md", data)
    assert document.state is OK
    assert len(document.text) <= MAX_TEXT_CHARS
    assert document.text.endswith("word ")
    assert [segment.kind for segment in document.segments] == [PROSE]
    assert document.segments[-1].end_line == document.text.count("\n") + 1
    assert "truncated" in document.detail


# --- binary, data and unsupported files -----------------------------------------------------


@pytest.mark.parametrize("path", ["project.7z", "src.tar.gz", "code.tgz", "work.rar", "data.csv.gz"])
def test_an_archive_the_unpacker_does_not_open_is_listed_unreadable(path: str) -> None:
    # Only ZIPs are opened: a deliverable packed in a 7z inside the upload is never compared, and
    # must be in the report's unread list rather than passed over with the images.
    document = run(path, b"\x37\x7a\xbc\xaf\x27\x1c\x00\x04" + bytes(64))
    assert document.state is UNREADABLE and "not opened" in document.detail


@pytest.mark.parametrize("path", ["img/plot.png", "data/raw.XLSX", "model.pkl", "data.parquet",
                                  "weights.h5", "bundle.zip", "Main.class"])
def test_binary_files_keep_only_their_hash(path: str) -> None:
    document = run(path, PNG)
    assert document.state is BINARY
    assert document.sha256 == hashlib.sha256(PNG).hexdigest()


def test_nul_bytes_make_an_unknown_file_binary() -> None:
    assert run("data.bin.unknown", PNG + b"\0" * 100).state is BINARY
    assert run("mystery", b"\x7fELF\x02\x01\x01\0\0\0\0").state is BINARY


def test_mostly_control_characters_are_binary() -> None:
    assert run("mystery", bytes(range(1, 9)) * 100).state is BINARY


SOURCE = b"def average(marks):\n    total = 0\n    for mark in marks:\n        total += mark\n" * 20


@pytest.mark.parametrize(("path", "data", "detail"), [
    ("copied.py", SOURCE[:100] + b"\0" + SOURCE[100:], "binary content: NUL bytes in a source file"),
    ("Makefile", b"all:\n\0\0\0" + SOURCE, "binary content: NUL bytes in a source file"),
    ("notes.txt", bytes(range(1, 9)) * 100, "binary content: mostly control characters in a text file"),
    ("essay.md", PNG + b"\0" * 100, "binary content: NUL bytes in a Markdown file"),
    ("index.html", PNG + b"\0" * 100, "binary content: NUL bytes in an HTML page"),
], ids=["nul-in-python", "nul-in-makefile", "controls-in-txt", "nul-in-markdown", "nul-in-html"])
def test_binary_content_under_a_source_or_text_name_is_unreadable_so_listed(path: str, data: bytes,
                                                                           detail: str) -> None:
    # Binary files are not listed among those not compared (an image is not a deliverable); a
    # file named as code or text may be one, and one NUL byte kept it out of every list.
    document = run(path, data)
    assert (document.state, document.detail) == (UNREADABLE, detail)
    assert unread_files([document]) == [{"file": path, "state": "unreadable", "detail": detail}]


def test_binary_content_under_a_name_that_says_nothing_or_binary_stays_binary() -> None:
    for path in ("a.out", "mystery", "plot.png", "data.weights", "run"):
        document = run(path, b"\x7fELF\x02\x01\x01\0\0\0\0" + SOURCE)
        assert document.state is BINARY, path
        assert unread_files([document]) == []
    # Content that names its language (#!) is still not a name: sniffed, as binary as ever.
    assert run("tool", b"#!/usr/bin/env python3\n\0\0" + SOURCE).state is BINARY


# Prose in scripts beyond ASCII, each with its line breaks (as real files have them).
_SCRIPTS = {
    "chinese": "排序算法的复杂度分析报告，这是一个很长的句子。\n第二行：快速排序的平均复杂度。\n" * 100,
    "chinese-one-line": "排序算法的复杂度分析报告，这是一个很长的句子。" * 200,
    "japanese": "これはソートアルゴリズムについてのレポートです。\n計算量は O(n log n) です。\n" * 100,
    "russian": "Это отчёт об алгоритмах сортировки.\nСложность O(n log n).\n" * 100,
    "korean": "정렬 알고리즘에 대한 보고서입니다.\n복잡도는 O(n log n)입니다.\n" * 100,
    "arabic": "هذا تقرير عن خوارزميات الترتيب.\n" * 100,
}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("script", sorted(_SCRIPTS))
def test_utf16_without_a_bom_in_another_script_is_read(script: str, codec: str) -> None:
    # Only UTF-16 of ASCII text was recognised without a BOM; Chinese was "binary", unlisted.
    text = _SCRIPTS[script]
    document = run("report.txt", text.encode(codec))
    assert document.state is OK
    assert document.text == text


def test_single_byte_text_with_nuls_put_in_it_is_never_read_as_utf16() -> None:
    # One NUL (or one every few bytes, all on one side) in ASCII code or Windows-1252 prose
    # decodes "strictly" as UTF-16 to ideographs: that would compare nonsense and list nothing.
    french = "Étude économique : ça coûte très cher à l'été. ".encode("cp1252") * 100
    planted = bytearray(SOURCE)
    planted[101::50] = b"\0" * len(planted[101::50])
    for path, data in [("copied.py", SOURCE[:100] + b"\0" + SOURCE[100:]), ("copied.py", bytes(planted)),
                       ("rapport.txt", french[:100] + b"\0" + french[100:])]:
        assert run(path, data).state is UNREADABLE, path


@pytest.mark.parametrize("path", ["data/grades.csv", "out.tsv", "logo.svg", "package-lock.json",
                                  "poetry.lock", "static/jquery.min.js", "gradlew", "backend/mvnw.cmd",
                                  "LICENSE", "LICENSE.md", "licence.txt", "COPYING.LESSER", "LICENSE-MIT",
                                  ".gitignore", "web/.dockerignore", ".editorconfig", ".env.example", ".flake8"])
def test_data_lock_and_minified_files_are_skipped(path: str) -> None:
    assert run(path, b"a,b,c\n1,2,3\n").state is SKIPPED


PDFTEX_LOG = (b"This is pdfTeX, Version 3.141592653-2.6-1.40.25 (TeX Live 2023) (preloaded format=pdflatex)\n"
              b"entering extended mode\n(./rapport.tex\nLaTeX2e <2022-11-01> patch level 1\n")


@pytest.mark.parametrize(("path", "data"), [
    ("rapport.log", PDFTEX_LOG),
    ("build/these.log", b"This is XeTeX, Version 3.141592653-2.6-0.999995 (TeX Live 2023)\n"),
    ("rapport.log", b"\xef\xbb\xbfThis is LuaHBTeX, Version 1.17.0 (TeX Live 2023)\n"),
    ("rapport.aux", b"\\relax \n\\@writefile{toc}{\\contentsline {section}{Introduction}{1}}\n"),
    ("rapport.toc", b"\\contentsline {section}{\\numberline {1}Introduction}{1}{section.1}%\n"),
    ("rapport.lof", b"\\addvspace {10\\p@ }\n"), ("rapport.lot", b"\\addvspace {10\\p@ }\n"),
    ("rapport.bbl", b"\\begin{thebibliography}{1}\n\\bibitem{knuth} D. Knuth.\n"),
    ("rapport.blg", b"This is BibTeX, Version 0.99d (TeX Live 2023)\n"),
    ("rapport.fls", b"PWD /home/alice/rapport\nINPUT /usr/share/texlive/article.cls\n"),
    ("rapport.fdb_latexmk", b"# Fdb version 3\n[\"pdflatex\"] 1678 \"rapport.tex\"\n"),
    ("slides.nav", b"\\headcommand {\\slideentry {0}{0}{1}{1/1}{}{0}}\n"),
    ("slides.snm", b"\\beamer@slide {intro}{1}\n"),
    ("rapport.out", b"\\BOOKMARK [1][-]{section.1}{Introduction}{}% 1\n"),
    ("rapport.synctex.gz", b"\x1f\x8b\x08\x00" + bytes(40)),
])
def test_latex_build_files_are_skipped(path: str, data: bytes) -> None:
    # Two independent reports each zipped with its own pdflatex log scored 1.000 (audit).
    document = run(path, data)
    assert (document.state, document.detail) == (SKIPPED, "a LaTeX build file: generated, not written")


@pytest.mark.parametrize(("path", "data"), [
    ("server.log", b"2026-03-12 10:28:01 INFO started on port 8080\n"),
    ("results.out", b"Test 1: passed\nTest 2: passed\n"),
])
def test_logs_and_outputs_no_tex_tool_wrote_are_read_as_before(path: str, data: bytes) -> None:
    assert run(path, data).state is OK


JQUERY_BANNER = (b"/*!\n * jQuery JavaScript Library v2.1.1\n * http://jquery.com/\n *\n"
                 b" * Copyright 2005, 2014 jQuery Foundation, Inc. and other contributors\n"
                 b" * Released under the MIT license\n */\n")
LIBRARY_BODY = b"(function( global, factory ) {\n\tfactory( global );\n}(this, function( window ) {\n}));\n" * 20


@pytest.mark.parametrize(("path", "data"), [
    ("static/js/jquery.js", JQUERY_BANNER + LIBRARY_BODY),
    ("vendor/chart.ts", b"\xef\xbb\xbf  /*! Chart.js v4.4.0 | (c) 2023 Chart.js Contributors | MIT */\n" + LIBRARY_BODY),
    ("css/theme.scss", b"/*!\n * Bootstrap v5.3.0\n * Licensed under MIT\n */\n.btn { color: red; }\n"),
    ("dist/bundle.js", b"!function(e){var t={};" + b"function n(r){return t[r]}," * 400 + b"}([]);\n"),
])
def test_a_web_librarys_build_is_skipped_whatever_its_name(path: str, data: bytes) -> None:
    # Two students who include the same build of jQuery would otherwise be reported as copies.
    document = run(path, data)
    assert document.state is SKIPPED
    assert "licence banner" in document.detail or "minified" in document.detail


@pytest.mark.parametrize(("path", "data"), [
    ("api/service.pb.go", b"// Code generated by protoc-gen-go. DO NOT EDIT.\n// source: service.proto\n\npackage api\n"),
    ("shop/migrations/0001_initial.py", b"# Generated by Django 4.2.7 on 2024-01-15 10:00\n\nfrom django.db import migrations\n"),
    ("parser.c", b"/* A Bison parser, made by GNU Bison 3.8.2.  */\n\nint yyparse(void);\n"),
    ("Form1.Designer.cs", b"//------\n// <auto-generated>\n//     This code was generated by a tool.\n"),
    ("app/R.java", b"/* AUTO-GENERATED FILE.  DO NOT MODIFY.\n */\npackage app;\npublic final class R {}\n"),
    ("ExprParser.java", b"// Generated from Expr.g4 by ANTLR 4.13.1\nimport org.antlr.v4.runtime.*;\n"),
])
def test_code_its_generator_signed_is_skipped(path: str, data: bytes) -> None:
    document = run(path, data + b"int x = 1;\n" * 40)
    assert document.state is SKIPPED and "generated code" in document.detail


def test_a_teachers_warning_in_a_starter_file_is_no_generators_signature() -> None:
    # The solution a student wrote under it must still be compared.
    text = (b"# DO NOT MODIFY the grader hooks below.\n# Generated by the course team; parsed by ANTLR 4.\n"
            b"@GeneratedValue\n" + LIBRARY_BODY)
    assert run("solution.py", text).state is OK


@pytest.mark.parametrize(("path", "data"), [
    ("app.js", b"/*! my notes for the grader: see the README */\n" + LIBRARY_BODY),  # no licence
    ("app.js", b"// Copyright me\n" + JQUERY_BANNER + LIBRARY_BODY),  # the banner does not open it
    ("list.h", b"/*! \\brief A list. Copyright (c) 2024 the student */\nint size(struct list *l);\n" * 5),
    ("data.js", b"const grades = [" + b"12, 15, 9, " * 30 + b"];\n" + LIBRARY_BODY),  # one long line
])
def test_code_that_only_looks_like_a_build_is_read(path: str, data: bytes) -> None:
    assert run(path, data).state is OK


@pytest.mark.parametrize("path", ["licenses.py", "src/license_check.java", "docs/licensing.md", "gradlew.md",
                                  ".hidden.py", ".notes.md", "license.py", "copying.py", "license-checker.js"])
def test_files_named_near_a_licence_or_a_wrapper_are_read(path: str) -> None:
    assert run(path, b"def check_license(key):\n    return key.startswith('LIC-') and len(key) == 20\n").state is OK


@pytest.mark.parametrize("path", ["report.doc", "slides.ppt", "essay.pages"])
def test_legacy_formats_are_unreadable_with_advice(path: str) -> None:
    document = run(path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert document.state is UNREADABLE
    assert "cannot be read" in document.detail


# --- notebooks ------------------------------------------------------------------------------


def test_notebook_cells_are_segments_on_exact_lines() -> None:
    cells = [
        ("markdown", "# Analysis\n\nWe load the data."),
        ("code", "import pandas as pd\ndf = pd.read_csv('x.csv')\n"),
        ("code", "   \n"),  # empty cells leave no trace
        ("markdown", "The mean is **3**."),
        ("code", "\nprint(df.mean())\n\n"),
        ("raw", "raw cell text"),
    ]
    document = run("analysis.ipynb", make_ipynb(cells))
    assert document.state is OK
    assert [(s.kind, s.language) for s in document.segments] == [
        (PROSE, None), (CODE, "python"), (PROSE, None), (CODE, "python"), (PROSE, None),
    ]
    texts = [segment_text(document, s) for s in document.segments]
    assert texts == ["# Analysis\n\nWe load the data.",
                     "import pandas as pd\ndf = pd.read_csv('x.csv')",
                     "The mean is **3**.", "print(df.mean())", "raw cell text"]
    # Cells are one blank line apart.
    for before, after in zip(document.segments, document.segments[1:]):
        assert after.start_line == before.end_line + 2


def test_notebook_code_takes_the_kernel_language_and_cell_magics() -> None:
    cells = [("code", "x <- c(1, 2)\nmean(x)"), ("code", "%%bash\nls -l"),
             ("code", "%%writefile helper.py\ndef f(): pass")]
    document = run("stats.ipynb", make_ipynb(cells, language="R"))
    assert [s.language for s in document.segments] == ["r", "bash", "python"]


@pytest.mark.parametrize(
    ("metadata", "language"),
    [({}, "python"), ({"kernelspec": {"language": "nosuchlang"}}, None),
     ({"kernelspec": {"language": "nosuchlang"}, "language_info": {"name": "julia"}}, "julia")],
)
def test_notebook_without_a_known_kernel_language(
    metadata: dict[str, object], language: str | None
) -> None:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
                "cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}}]}
    document = run("k.ipynb", json.dumps(notebook).encode())
    assert document.segments == (Segment(CODE, 1, 1, language),)


def test_notebook_of_format_3_is_read() -> None:
    notebook = {
        "nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
        "worksheets": [{"cells": [
            {"cell_type": "heading", "level": 1, "source": ["Old notebook"], "metadata": {}},
            {"cell_type": "code", "language": "python", "input": ["a = 1\n", "b = a + 1"],
             "outputs": [], "metadata": {}},
        ], "metadata": {}}],
    }
    document = run("old.ipynb", json.dumps(notebook).encode())
    assert document.state is OK
    assert document.text.endswith("a = 1\nb = a + 1")
    assert document.segments[-1].kind is CODE


def test_notebook_json_that_nbformat_refuses_is_still_read() -> None:
    notebook = {"cells": [{"cell_type": "code", "source": ["print('hi')"]}]}
    document = run("loose.ipynb", json.dumps(notebook).encode())
    assert document.text == "print('hi')"
    assert document.segments == (Segment(CODE, 1, 1, "python"),)


def test_lone_surrogates_never_reach_the_text() -> None:
    notebook = b'{"cells": [{"cell_type": "markdown", "source": "half \\ud83d emoji"}]}'
    document = run("odd.ipynb", notebook)
    assert document.text == "half \ufffd emoji"
    document.text.encode("utf-8")


@pytest.mark.parametrize("data", [b"{\"cells\": [", b"[1, 2, 3]", b"{\"nbformat\": 4}",
                                  b"\x89PNG\r\n\x1a\n\0\0"])
def test_broken_notebook_is_unreadable(data: bytes) -> None:
    assert run("broken.ipynb", data).state in (UNREADABLE, BINARY)


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_fences_become_code_segments_with_their_language() -> None:
    text = (
        "# Report\n"                    # 1
        "Some prose.\n"                 # 2
        "```python\n"                   # 3
        "def f(x):\n"                   # 4
        "    return x\n"                # 5
        "```\n"                         # 6
        "More prose.\n"                 # 7
        "~~~ js title=demo\n"           # 8
        "let a = 1;\n"                  # 9
        "~~~\n"                         # 10
        "```{r setup, echo=FALSE}\n"    # 11
        "x <- 1\n"                      # 12
        "```\n"                         # 13
        "```\n"                         # 14
        "untagged block\n"              # 15
        "```\n"                         # 16
        "````text\n"                    # 17
        "```\n"                         # 18 (shorter fence: still inside)
        "plain output\n"                # 19
        "````\n"                        # 20
        "The end.\n"                    # 21
    )
    document = run("README.md", text.encode())
    assert document.segments == (
        Segment(PROSE, 1, 2), Segment(CODE, 4, 5, "python"), Segment(PROSE, 7, 7),
        Segment(CODE, 9, 9, "javascript"), Segment(CODE, 12, 12, "r"), Segment(PROSE, 15, 15),
        Segment(PROSE, 18, 19), Segment(PROSE, 21, 21),
    )
    assert segment_text(document, document.segments[1]) == "def f(x):\n    return x"


def test_unclosed_fence_runs_to_the_end() -> None:
    document = run("notes.md", b"Intro\n```java\nclass A {}\n")
    assert document.segments == (Segment(PROSE, 1, 1), Segment(CODE, 3, 3, "java"))


PICTURE = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Q" * 50 + "=="


def test_pictures_written_inline_as_data_uris_are_no_words() -> None:
    # Two independent reports embedding the same figure scored 1.000 on its base64 payload.
    markdown = f"# Rapport\nVoir le schéma ![schéma]({PICTURE}) ci-dessous.\nFin.\n"
    document = run("rapport.md", markdown.encode())
    assert document.text == "# Rapport\nVoir le schéma ![schéma]() ci-dessous.\nFin.\n"
    assert document.segments == (Segment(PROSE, 1, 3),)
    text = f"Figure: {PICTURE.replace('image/png', 'image/svg+xml;charset=utf-8')}\nFin."
    assert run("rapport.txt", text.encode()).text == "Figure: \nFin."
    notebook = make_ipynb([("markdown", f'Le plan\n<img src="{PICTURE}"/>\nsuite'),
                           ("code", f"url = '{PICTURE[:40]}'")])
    assert run("tp.ipynb", notebook).text == f'Le plan\n<img src=""/>\nsuite\n\nurl = \'{PICTURE[:40]}\''


def test_html_page_opening_too_many_elements_is_too_large() -> None:
    # 300 KB of unclosed tags nest 100,001 deep: parsed, such pages cost seconds each (audit:
    # 290,000 elements, 9 s a page); counted in the bytes, the page is never parsed.
    document = run("deep.html", b"<html><body>" + b"<b>" * 100_001 + b"hello deep text")
    assert document.state is DocumentState.TOO_LARGE
    assert document.detail == "HTML page not read: it opens more than 100,000 elements"


def test_html_blocks_side_by_side_each_keep_a_line() -> None:
    page = "<div>" + "".join(f"<p>para {i} <b>bold</b> tail</p>" for i in range(300)) + "</div>"
    document = run("wide.html", page.encode())
    assert document.text == "\n".join(f"para {i} bold tail" for i in range(300))


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_pages_round_trip_one_blank_line_apart() -> None:
    pages = ["Introduction (draft)\nBackslash \\ and parens ( ) survive", "Caf\u00e9 costs \u20ac5"]
    document = run("report.pdf", make_pdf(pages))
    assert document.state is OK
    assert document.text == "\n\n".join(pages)
    assert document.segments == (Segment(PROSE, 1, 2), Segment(PROSE, 4, 4))


def test_pdf_word_broken_at_a_line_end_is_joined_on_the_line_above() -> None:
    # "L'obj-" over "ectif" read as two words that matched nothing in a copy laid out otherwise.
    page = ("Le rapport expose L'obj-\nectif principal du projet, avec Jean-\nPierre et les diff-\n"
            "icultés. Une ligne se termine par un tiret -\nsuite, et l'an 2019-\n2020.\nEt fin-\nale")
    document = run("report.pdf", make_pdf([page, "Une page sépa-", "rée ne se joint pas"]))
    assert document.text == (
        "Le rapport expose L'objectif\nprincipal du projet, avec Jean-\nPierre et les difficultés.\n"
        "Une ligne se termine par un tiret -\nsuite, et l'an 2019-\n2020.\nEt finale\n\n"
        "Une page sépa-\n\nrée ne se joint pas")
    assert document.segments == (Segment(PROSE, 1, 7), Segment(PROSE, 9, 9), Segment(PROSE, 11, 11))


def test_pdf_without_text_is_empty_and_says_why() -> None:
    document = run("scan.pdf", make_pdf([""]))
    assert document.state is EMPTY
    assert "text layer" in document.detail


def test_pdf_pages_beyond_the_cap_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("originality.extractors.pdf.MAX_PDF_PAGES", 2)
    document = run("long.pdf", make_pdf(["one", "two", "three"]))
    assert document.text == "one\n\ntwo"
    assert "first 2 of 3" in document.detail


def _pdf_of_streams(streams: list[bytes], pages: list[int]) -> bytes:
    """A PDF whose page i shows content stream ``pages[i]`` (Flate-compressed): several pages
    can share one stream, as a hostile PDF does to multiply its cost."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + len(streams) + i)
                                                    for i in range(len(pages)))
               + b"] /Count %d >>" % len(pages),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for stream in streams:
        packed = zlib.compress(stream, 9)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
                       + b"\nendstream")
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>" % (4 + stream) for stream in pages]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                               xref)
    return bytes(out)


def _shows(text: str, times: int = 1) -> bytes:
    return (b"BT /F1 12 Tf 72 720 Td (" + text.encode() + b") Tj ET\n") * times


def test_pdf_page_whose_content_inflates_past_the_cap_is_left_unread() -> None:
    # 1.1 MiB of text operators in a stream of a few KB, shown on three pages: read, it cost
    # seconds a page (audit: 5 MB on 3 pages took 47 s); now measured, never parsed.
    bomb = _shows("lorem ipsum dolor sit amet", 21_000)
    assert len(bomb) > 1024 * 1024
    document = run("bomb.pdf", _pdf_of_streams([bomb], [0, 0, 0]))
    assert document.state is DocumentState.TOO_LARGE
    assert document.detail == ("3 of 3 PDF pages left unread: their content is over 1 MiB a "
                               "page once inflated")
    # The pages within the cap are read, and the note says which were not.
    document = run("mixed.pdf", _pdf_of_streams([_shows("Honest words on page one"), bomb,
                                                 _shows("More honest words")], [0, 1, 2]))
    assert document.state is OK
    assert document.text == "Honest words on page one\n\nMore honest words"
    assert "1 of 3 PDF pages left unread: their content is over 1 MiB" in document.detail


def test_pdf_content_is_capped_per_document_and_a_shared_stream_counts_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = _shows("First page words"), _shows("Second page words")
    monkeypatch.setattr("originality.extractors.pdf.MAX_PDF_CONTENT_BYTES", len(one) + len(two))
    # Three distinct streams: the third does not fit what is left of the document's budget.
    document = run("long.pdf", _pdf_of_streams([one, two, _shows("Third page words")],
                                               [0, 1, 2]))
    assert document.text == "First page words\n\nSecond page words"
    assert "1 of 3 PDF pages left unread: the PDF's content is over" in document.detail
    # Each stream shown on two pages is read once and counted once; every page keeps its text.
    # (On three pages of four, a line would be a running head, read on its first page only.)
    document = run("shared.pdf", _pdf_of_streams([one, two], [0, 0, 1, 1]))
    assert document.state is OK and document.detail == ""
    assert document.text == "\n\n".join(["First page words"] * 2 + ["Second page words"] * 2)


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Top secret text"]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_that_needs_a_password_is_unreadable() -> None:
    document = run("locked.pdf", _encrypted_pdf("secret"))
    assert document.state is UNREADABLE
    assert "password" in document.detail


def test_pdf_restricted_only_by_an_owner_password_is_read() -> None:
    assert run("restricted.pdf", _encrypted_pdf("")).text == "Top secret text"


def test_file_without_extension_is_sniffed_as_pdf() -> None:
    assert run("report", make_pdf(["Sniffed by content"])).text == "Sniffed by content"


# --- Office ---------------------------------------------------------------------------------


def test_docx_reads_header_body_table_and_footer_in_order() -> None:
    data = make_docx(
        ["First paragraph.", "", "Second paragraph."],
        table=[["Name", "Score"], ["Ada", "10"]],
        header="Course 101 - Essay",
        footer="Page footer",
    )
    document = run("essay.docx", data)
    assert document.state is OK
    assert document.text == (
        "Course 101 - Essay\n\n"
        "First paragraph.\nSecond paragraph.\nName\nScore\nAda\n10\n\n"
        "Page footer"
    )
    assert [s.kind for s in document.segments] == [PROSE, PROSE, PROSE]


def test_docx_tracked_move_is_read_where_it_went_only() -> None:
    # A paragraph moved with changes tracked holds its text twice (w:moveFrom, w:moveTo): it
    # was read twice, as if the student had written it twice.
    word = docx.Document()
    for text in ("Moved sentence.", "Stays here.", "Moved sentence."):
        word.add_paragraph(text)
    paragraphs = word.element.body.findall(qn("w:p"))
    for paragraph, tag in ((paragraphs[0], "w:moveFrom"), (paragraphs[2], "w:moveTo")):
        wrapper = OxmlElement(tag)
        wrapper.set(qn("w:id"), "1" if tag == "w:moveFrom" else "2")
        wrapper.set(qn("w:author"), "Alice")
        for word_run in paragraph.findall(qn("w:r")):
            wrapper.append(word_run)
        paragraph.append(wrapper)
    buffer = io.BytesIO()
    word.save(buffer)
    assert run("moved.docx", buffer.getvalue()).text == "Stays here.\nMoved sentence."


def test_docx_keeps_paragraphs_and_tables_interleaved_and_nested() -> None:
    word = docx.Document()
    word.add_paragraph("Before the table.")
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Outer cell"
    inner = table.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "Inner cell"
    word.add_paragraph("After the table.")
    buffer = io.BytesIO()
    word.save(buffer)
    document = run("nested.docx", buffer.getvalue())
    assert document.text == "Before the table.\nOuter cell\nInner cell\nAfter the table."


def test_pptx_reads_slides_tables_and_notes() -> None:
    data = make_pptx(
        [["Results", "Accuracy went up"], ["Conclusion"]],
        notes=["Say thanks", ""],
        table=[["Model", "Accuracy"], ["Tree", "0.91"]],
    )
    document = run("talk.pptx", data)
    assert document.state is OK
    assert document.text == (
        "Results\nAccuracy went up\nModel\nAccuracy\nTree\n0.91\nSay thanks\n\nConclusion"
    )
    assert document.segments == (Segment(PROSE, 1, 7), Segment(PROSE, 9, 9))


def _mlx(paragraphs: list[tuple[str, str]]) -> bytes:
    """A MATLAB live script as the Live Editor saves it: ``(style, text)`` paragraphs."""
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">'
                   f"{text}</w:t></w:r></w:p>" for style, text in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("matlab/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w='
                         '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                         + body + "</w:body></w:document>")
    return buffer.getvalue()


def test_matlab_live_script_reads_its_code_as_matlab_and_its_text_as_prose() -> None:
    # Dropped as a binary ZIP before: a copied live script was never compared.
    data = _mlx([("title", "Notes de la classe"), ("text", "Calcul des moyennes."),
                 ("code", "notes = [12 15; 8 11];"), ("code", ""), ("code", "moyennes = mean(notes, 2);"),
                 ("text", "Puis le tri."), ("code", "sort(moyennes)")])
    document = run("notes.mlx", data)
    assert document.text == ("Notes de la classe\nCalcul des moyennes.\n\nnotes = [12 15; 8 11];\n\n"
                             "moyennes = mean(notes, 2);\n\nPuis le tri.\n\nsort(moyennes)")
    assert document.segments == (Segment(PROSE, 1, 2), Segment(CODE, 4, 6, "matlab"),
                                 Segment(PROSE, 8, 8), Segment(CODE, 10, 10, "matlab"))
    assert run("live_script", data).text == document.text  # known by its part when unnamed


def test_odt_reads_headings_paragraphs_and_spacing() -> None:
    data = make_odt(["Two  spaces\tand a tab", "line one\nline two"], headings=["Method"])
    document = run("essay.odt", data)
    assert document.text == "Method\nTwo  spaces\tand a tab\nline one\nline two"


def test_odt_leaves_out_comments_and_reads_a_footnote_once() -> None:
    # What odfpy's teletype gets wrong: it keeps comment text inline, and walking its
    # paragraphs gives a footnote's paragraph a second time.
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.text import Note, NoteBody, NoteCitation, P

    odt = OpenDocumentText()
    paragraph = P(text="The method is sound.")
    comment = Annotation()
    comment.addElement(P(text="reviewer: cite this"))
    paragraph.addElement(comment)
    note = Note(noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Measured twice."))
    note.addElement(body)
    paragraph.addElement(note)
    odt.text.addElement(paragraph)
    buffer = io.BytesIO()
    odt.save(buffer)
    assert run("essay.odt", buffer.getvalue()).text == "The method is sound.\nMeasured twice."


def test_rtf_text_is_read_without_control_words() -> None:
    rtf = (rb"{\rtf1\ansi\ansicpg1252{\fonttbl\f0\fswiss Helvetica;}{\colortbl;\red0\green0\blue0;}"
           rb"{\*\generator Cocoa}\f0\fs24 Caf\'e9 \{braces\}\par" b"\n"
           rb"Dash \u8212? done\line Next \u-10179?\u-8704?}")
    document = run("essay.rtf", rtf)
    assert document.text == "Caf\u00e9 {braces}\nDash \u2014 done\nNext \U0001f600"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("essay.docx", b"this is not a zip"),
        ("essay.docx", make_odt(["an OpenDocument, not Word"])),
        ("essay.docx", make_docx(["cut short"])[:300]),
        ("talk.pptx", make_docx(["a Word file named .pptx"])),
        ("essay.odt", make_pptx([["a presentation named .odt"]])),
        ("report.pdf", make_pdf(["cut short"])[:200]),
        ("report.pdf", b"%PDF-1.4\n" + b"garbage " * 100),
    ],
)
def test_damaged_documents_are_unreadable_not_errors(path: str, data: bytes) -> None:
    document = run(path, data)
    assert document.state is UNREADABLE
    assert document.detail


def test_office_file_expanding_beyond_the_cap_is_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("originality.extractors.base.MAX_CONTAINER_BYTES", 1000)
    document = run("bomb.docx", make_docx(["small"]))
    assert document.state is DocumentState.TOO_LARGE
    assert "expand" in document.detail


def _with_part(document: bytes, name: str, content: bytes) -> bytes:
    """An office document with one part replaced."""
    source = zipfile.ZipFile(io.BytesIO(document))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == name
                             else source.read(info.filename))
    return buffer.getvalue()


def test_office_part_inflating_past_the_cap_is_too_large_and_the_rest_is_checked(
        tmp_path: Path) -> None:
    # 17 MB of XML in a few tens of KB: parsed whole, 190 MB of it took 29.5 s and 2.1 GB
    # (audit, 7 Dec 2026); now refused from the sizes the container declares.
    paragraph = b"<w:p><w:r><w:t>lorem ipsum dolor sit amet consectetur</w:t></w:r></w:p>"
    body = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body>' + paragraph * 240_000
            + b"</w:body></w:document>")
    assert len(body) > 16 * 1024 * 1024
    docx_bomb = _with_part(make_docx(["small"]), "word/document.xml", body)
    odt = make_odt(["small"])
    content = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml")
    at = content.index(b"<text:p")
    odt_bomb = _with_part(odt, "content.xml", content[:at]
                          + b"<text:p>lorem ipsum dolor sit amet</text:p>" * 420_000 + content[at:])
    for path, data, part in (("report.docx", docx_bomb, "word/document.xml"),
                             ("report.odt", odt_bomb, "content.xml")):
        document = run(path, data)
        assert document.state is DocumentState.TOO_LARGE
        assert f"its part {part} would expand to" in document.detail
        assert "more than 16,777,216" in document.detail
    submission = tmp_path / "alice.zip"
    with zipfile.ZipFile(submission, "w") as archive:
        archive.writestr("report.docx", docx_bomb)
        archive.writestr("main.py", "".join(f"def f{i}(x):\n    total = 0\n    for k in range(x):\n"
                                            f"        total += k * {i}\n    return total\n"
                                            for i in range(10)))
    loaded = load_submission(str(submission), CheckOptions(workers=1), SymbolTable())
    states = {document.path: document.state for document in loaded.documents}
    assert states == {"report.docx": DocumentState.TOO_LARGE, "main.py": OK}


def test_zip_with_an_unknown_name_is_binary_unless_it_is_a_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    assert run("archive.dat", buffer.getvalue()).state is BINARY
    assert run("essay", make_docx(["Named without extension"])).text == "Named without extension"


@pytest.mark.parametrize("extension", sorted(DOCUMENT_EXTRACTORS))
@pytest.mark.parametrize("data", [PNG, b"PK\x03\x04" + bytes(range(256)) * 4, b"{\\rtf1 {{{{",
                                  b"<html><p>unclosed <b>tags"])
def test_any_bytes_under_any_document_name_never_raise(extension: str, data: bytes) -> None:
    assert run(f"file.{extension}", data).state in set(DocumentState)


# --- HTML -----------------------------------------------------------------------------------


def test_html_keeps_visible_text_and_drops_scripts_and_styles() -> None:
    page = (b"<?xml version='1.0' encoding='utf-8'?>\n<html><head><title>Ignored</title>"
            b"<style>p { color: red }</style></head><body><h1>My page</h1>"
            b"<p>First <b>bold</b> paragraph.</p><script>var secret = 1;</script>"
            b"<ul><li>one</li><li>two</li></ul></body></html>")
    document = run("site/index.html", page)
    assert document.text == "My page\nFirst bold paragraph.\none\ntwo"
    assert document.segments == (Segment(PROSE, 1, 4),)


def test_html_code_blocks_that_name_their_language_are_code() -> None:
    # A report's program in <pre><code class="language-python">, a notebook exported by
    # nbconvert (Pygments' "highlight hl-ipython3", its outputs apart): code, lines as they are.
    page = (b'<html><body><h1>Report</h1><p>We average the marks.</p>'
            b'<pre><code class="language-python">def mean(xs):\n    return sum(xs) / len(xs)\n</code></pre>'
            b'<div class="jp-Cell"><div class="highlight hl-ipython3"><pre><span></span>'
            b'<span class="k">for</span> x <span class="ow">in</span> xs:\n    print(x)\n</pre></div>'
            b'<div class="jp-OutputArea"><pre>1\n2</pre></div></div>'
            b'<pre>a poem,\n   laid out by hand</pre></body></html>')
    document = run("report.html", page)
    assert document.text == ("Report\nWe average the marks.\n\ndef mean(xs):\n    return sum(xs) / len(xs)"
                             "\n\nfor x in xs:\n    print(x)\n\na poem,\nlaid out by hand")
    assert document.segments == (Segment(PROSE, 1, 2), Segment(CODE, 4, 5, "python"),
                                 Segment(CODE, 7, 8, "python"), Segment(PROSE, 10, 11))


def test_html_that_spells_a_code_mark_itself_is_still_read() -> None:
    page = "<meta charset=\"utf-8\"><p>before \ue000code7\ue000 after</p><pre class='language-python'>x = 1</pre>".encode()
    document = run("marked.html", page)
    assert document.state is OK and document.segments[-1] == Segment(CODE, 5, 5, "python")


def test_html_code_block_inside_another_is_part_of_it() -> None:
    page = b"<pre class='language-python'>a = 1\n<pre class='language-python'>b = 2</pre></pre><p>after</p>"
    document = run("nested.html", page)
    assert document.text == "a = 1\nb = 2\n\nafter"
    assert document.segments == (Segment(CODE, 1, 2, "python"), Segment(PROSE, 4, 4))


def test_html_meta_charset_is_honoured() -> None:
    page = '<meta charset="windows-1252"><p>caf\u00e9 \u201cok\u201d</p>'.encode("cp1252")
    assert run("page.htm", page).text == "caf\u00e9 \u201cok\u201d"


# --- fixtures -------------------------------------------------------------------------------


def test_document_builders_are_deterministic() -> None:
    assert make_docx(["a"], [["b"]], "c", "d") == make_docx(["a"], [["b"]], "c", "d")
    assert make_pptx([["a"]], notes=["n"]) == make_pptx([["a"]], notes=["n"])
    assert make_odt(["a"]) == make_odt(["a"])
    assert make_pdf(["a"]) == make_pdf(["a"])
    assert make_ipynb([("code", "a")]) == make_ipynb([("code", "a")])


def test_binary_extensions_do_not_overlap_readable_ones() -> None:
    assert not BINARY_EXTENSIONS & set(CODE_EXTENSIONS)
    assert not BINARY_EXTENSIONS & set(DOCUMENT_EXTRACTORS)


class _Stopped(Exception):
    """Stands for Celery's soft time limit: raised inside whatever the check is reading."""


def test_a_check_being_stopped_is_never_read_as_a_damaged_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker registers its time limit's exception; raised while a PDF page, a notebook or any
    # document is being read, it must stop the check, not make the file "unreadable".
    from originality import errors
    from originality.extractors import notebook, pdf

    monkeypatch.setattr(errors, "_INTERRUPTIONS", [])
    errors.interrupts(_Stopped)

    def stopped(*args: object, **kwargs: object) -> None:
        raise _Stopped()

    monkeypatch.setattr(pdf, "_page_text", stopped)
    with pytest.raises(_Stopped):
        extract(Entry("report.pdf", make_pdf(["A page of the report."])))
    monkeypatch.setattr(notebook, "decode_text", stopped)
    with pytest.raises(_Stopped):
        extract(Entry("analysis.ipynb", make_ipynb([("code", "print(1)")])))
    # Any other exception of a parser is still the file's: unreadable, and the check goes on.
    monkeypatch.setattr(errors, "_INTERRUPTIONS", [])
    assert extract(Entry("analysis.ipynb", make_ipynb([("code", "print(1)")]))).state is DocumentState.UNREADABLE
