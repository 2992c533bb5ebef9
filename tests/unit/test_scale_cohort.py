"""The scale benchmarks' generated cohort (benchmarks/gen_scale.py, datasets.build_scale_cohort).

Generated data only: the same seed writes the same bytes, independent students write their
functions differently, and a copy keeps its source's code under the disguise.
"""

from __future__ import annotations

import ast
import random
import sys
import zipfile
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import datasets  # noqa: E402
import gen_scale  # noqa: E402


def contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = datasets.build_scale_cohort(24, seed=3, out=tmp_path / "a")
    again = datasets.build_scale_cohort(24, seed=3, out=tmp_path / "b")
    other = datasets.build_scale_cohort(24, seed=4, out=tmp_path / "c")
    assert contents(first) == contents(again)
    assert contents(first) != contents(other)
    loaded = datasets.load(first)
    assert len(loaded.cohorts[0].submissions) == 24
    assert any(label == 1 for label, _ in loaded.truth.values())


def test_every_generated_module_parses(tmp_path: Path) -> None:
    root = datasets.build_scale_cohort(24, seed=3, out=tmp_path)
    for path in sorted((root / "subs").glob("*.zip")):
        with zipfile.ZipFile(path) as bundle:
            for name in bundle.namelist():
                if name.endswith(".py"):
                    ast.parse(bundle.read(name).decode("utf-8"), filename=f"{path.name}/{name}")


def test_independent_students_write_most_functions_their_own_way() -> None:
    rng = random.Random(1)
    students = [gen_scale.draw_student(rng) for _ in range(40)]
    shapes = [{t: gen_scale.function_source(s, t)[0] for t in gen_scale.REQUIRED} for s in students]
    for task in gen_scale.REQUIRED:
        assert len({shape[task] for shape in shapes}) >= 8, task
    # popular ways are popular, but a pair of independent students shares few whole functions
    # (in gen_python's cohort, 3-4 variants a function, 2.6 of the 10 on average)
    shared = [sum(a[t] == b[t] for t in gen_scale.REQUIRED) for i, a in enumerate(shapes) for b in shapes[i + 1:]]
    assert sum(shared) / len(shared) < 1.5
    assert sum(n > 3 for n in shared) / len(shared) < 0.05


@pytest.mark.parametrize("strength", [0, 1, 2])
def test_a_copy_keeps_its_source_code_under_new_names_and_files(strength: int) -> None:
    rng = random.Random(2)
    source = gen_scale.draw_student(rng)
    copy = gen_scale.disguise(source, rng, strength)
    for task in gen_scale.REQUIRED:
        assert gen_scale.function_source(copy, task) == gen_scale.function_source(source, task)
    assert copy.own == source.own
    assert gen_scale.render(copy) != gen_scale.render(source)
