"""Which programming language a file, a Markdown fence or a notebook kernel is written in.

Answers are Pygments lexer aliases, because the normalizer lexes code with Pygments. The map
is explicit: ``guess_lexer_for_filename`` guesses wrong on real student files (tried
while building it: a JavaScript template literal came out as Genshi, ``.r`` as REBOL).

Choices where an extension is ambiguous, made for what students hand in:

- ``.m`` is MATLAB, not Objective-C (courses use MATLAB far more; ``.mm`` stays Objective-C++
  unmapped).
- ``.h`` is C; C++ headers usually say ``.hpp``/``.hh``. The C lexer reads most C++ headers
  well enough to fingerprint them.
- ``.pl`` is Perl, not Prolog; ``.s`` is GNU assembler, ``.asm`` NASM; ``.v`` is left out
  (Verilog or Coq).
- ``.r``/``.R`` use Pygments' S lexer through its ``r`` alias.
- ``.svelte`` has no Pygments lexer and uses the HTML one, like the markup it mostly is.
- Configuration and data notations (``.json``, ``.yaml``, ``.toml``, ``.xml``, ``.ini``,
  ``.cfg``) count as code with their own lexers: their structure, not their words, is what a
  copy keeps.
"""

from __future__ import annotations

import functools
import posixpath
import re

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Extension (lower case, no dot) -> Pygments alias. Every alias is checked by a test.
CODE_EXTENSIONS: dict[str, str] = {
    # Python and the JVM
    "py": "python", "pyw": "python", "pyi": "python",
    "java": "java", "pde": "java",
    "kt": "kotlin", "kts": "kotlin",
    "scala": "scala", "sc": "scala",
    "groovy": "groovy", "gradle": "groovy",
    "clj": "clojure", "cljs": "clojure", "cljc": "clojure",
    # C family
    "c": "c", "h": "c",
    "cpp": "cpp", "cc": "cpp", "cxx": "cpp", "c++": "cpp",
    "hpp": "cpp", "hh": "cpp", "hxx": "cpp", "h++": "cpp", "ino": "arduino", "cu": "cuda",
    "cs": "csharp",
    "go": "go",
    "rs": "rust",
    "swift": "swift",
    "dart": "dart",
    "zig": "zig",
    # Web
    "js": "javascript", "mjs": "javascript", "cjs": "javascript",
    "jsx": "jsx",
    "ts": "typescript", "mts": "typescript", "cts": "typescript",
    "tsx": "tsx",
    "coffee": "coffeescript",
    "php": "php",
    "css": "css", "scss": "scss", "sass": "sass", "less": "less",
    "vue": "vue", "svelte": "html",
    # Scripting
    "rb": "ruby", "rake": "ruby",
    "pl": "perl", "pm": "perl",
    "lua": "lua",
    "tcl": "tcl",
    "awk": "awk",
    "sh": "bash", "bash": "bash", "zsh": "bash", "ksh": "bash",
    "ps1": "powershell", "psm1": "powershell",
    "bat": "batch", "cmd": "batch",
    # Science and data
    "m": "matlab",
    "r": "r",
    "jl": "julia",
    "sql": "sql",
    "f": "fortranfixed", "for": "fortranfixed", "f90": "fortran", "f95": "fortran",
    "f03": "fortran", "f08": "fortran",
    # Functional
    "hs": "haskell", "lhs": "literate-haskell",
    "ml": "ocaml", "mli": "ocaml",
    "fs": "fsharp", "fsi": "fsharp", "fsx": "fsharp",
    "ex": "elixir", "exs": "elixir",
    "erl": "erlang", "hrl": "erlang",
    "elm": "elm",
    "lisp": "common-lisp", "scm": "scheme", "rkt": "racket", "el": "emacs-lisp",
    # Others
    "vb": "vbnet",
    "pas": "delphi", "dpr": "delphi",
    "asm": "nasm", "s": "gas",
    "vhd": "vhdl", "vhdl": "vhdl", "sv": "systemverilog",
    "sol": "solidity",
    "nim": "nim",
    "proto": "protobuf",
    "graphql": "graphql",
    "tf": "terraform",
    "cmake": "cmake", "mk": "make", "dockerfile": "docker",
    # Found read as prose by an audit (7 Dec 2026): Cython, Godot's GDScript, JSP and templates,
    # SAS, Ada, COBOL and the younger languages (ambiguous ones such as ``.do``, ``.pro``, ``.re``
    # and ``.d`` left out: Stata or a shell's, Prolog or a Qt project, ReasonML or anything).
    "pyx": "cython", "pxd": "cython", "pxi": "cython",
    "gd": "gdscript",
    "jsp": "jsp", "twig": "html+twig", "hbs": "html+handlebars", "handlebars": "html+handlebars",
    "sas": "sas",
    "adb": "ada", "ads": "ada",
    "cob": "cobol", "cbl": "cobol",
    "raku": "raku", "rakumod": "raku",
    "nix": "nix", "purs": "purescript", "gleam": "gleam", "vala": "vala", "cr": "crystal",
    "hx": "haxe", "mojo": "mojo",
    "glsl": "glsl", "vert": "glsl", "frag": "glsl", "hlsl": "hlsl", "wgsl": "wgsl", "qml": "qml",
    # Structured configuration and data notations
    "json": "json",
    "yaml": "yaml", "yml": "yaml",
    "toml": "toml",
    "xml": "xml", "xsd": "xml", "xsl": "xml", "xslt": "xml",
    "ini": "ini", "cfg": "ini",
    "properties": "properties",
}

# Whole file names (lower case) that say their language without an extension.
FILENAME_LANGUAGES: dict[str, str] = {
    "dockerfile": "docker", "containerfile": "docker",
    "makefile": "make", "gnumakefile": "make",
    "cmakelists.txt": "cmake",
    "jenkinsfile": "groovy",
    "rakefile": "ruby", "gemfile": "ruby", "vagrantfile": "ruby",
    "snakefile": "python", "sconstruct": "python",
}

# Names people write on fences, kernels and shebangs that Pygments does not know, or knows as
# something else. None means "not code": the block is read as prose.
_TAG_ALIASES: dict[str, str | None] = {
    "python2": "python", "python3": "python", "py3": "python", "ipython": "python",
    "ipython3": "python", "pyspark": "python", "sage": "python",
    "c++11": "cpp", "c++14": "cpp", "c++17": "cpp", "c++20": "cpp", "cplusplus": "cpp",
    "node": "javascript", "nodejs": "javascript", "deno": "javascript",
    "shell": "bash", "sh": "bash", "dash": "bash",
    "rscript": "r",
    "octave": "octave",
    "text": None, "txt": None, "plain": None, "plaintext": None, "output": None,
    "none": None, "nohighlight": None,
}

_VERSION_SUFFIX = re.compile(r"[\d.]+$")


def language_for_path(path: str) -> str | None:
    """The Pygments alias for a source-code file, or None for anything that is not code.

    Only the file name is looked at; content is sniffed elsewhere (shebang lines).
    """
    name = posixpath.basename(path).lower()
    if name in FILENAME_LANGUAGES:
        return FILENAME_LANGUAGES[name]
    if name.startswith("dockerfile."):
        return "docker"
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:  # "README" or ".bashrc": no extension
        return None
    return CODE_EXTENSIONS.get(extension)


@functools.lru_cache(maxsize=512)
def language_for_tag(tag: str) -> str | None:
    """The Pygments alias for a fence info word, kernel language or interpreter name.

    Unknown names and plain-text lexers give None, because the normalizer drops every token a
    plain-text lexer produces: such a block is better read as prose.
    """
    tag = tag.strip().lower()
    if not tag:
        return None
    if tag in _TAG_ALIASES:
        return _TAG_ALIASES[tag]
    if tag in CODE_EXTENSIONS:
        return CODE_EXTENSIONS[tag]
    try:
        lexer = get_lexer_by_name(tag)
    except ClassNotFound:
        return None
    alias = lexer.aliases[0] if lexer.aliases else tag
    return None if alias == "text" else alias


def language_for_shebang(first_line: str) -> str | None:
    """The language a ``#!`` line runs, e.g. ``#!/usr/bin/env python3`` -> ``python``."""
    if not first_line.startswith("#!"):
        return None
    words = first_line[2:].split()
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program == "env":
        # "env -S python3 -u": the interpreter is the first word that is not an option.
        rest = [word for word in words[1:] if not word.startswith("-")]
        if not rest:
            return None
        program = posixpath.basename(rest[0])
    return language_for_tag(program) or language_for_tag(_VERSION_SUFFIX.sub("", program))
