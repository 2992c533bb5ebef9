"""`originality calibrate`: fitting the similarity on labelled sets of one's own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from originality.calibrate import run
from originality.calibration import FEATURES, LinearPart, Model
from originality.cli import main
from tests.unit.test_matching import ORIGINAL, own_work, write

PROSE = [
    "The committee approved the new budget after a long debate about rising costs in the region.",
    "Migratory birds travel thousands of kilometres each year, guided by the stars and the sun.",
    "The museum reopened its ancient history wing with restored statues and interactive maps.",
    "Farmers in the valley switched to drip irrigation to cope with three dry summers in a row.",
]
PARAPHRASE = [
    "After a lengthy debate on increasing regional costs, the committee approved the new budget.",
    "Each year migratory birds fly thousands of kilometres, guided by the sun and the stars.",
    "With restored statues and interactive maps, the museum reopened the ancient history wing.",
    "After three dry summers in a row, the valley's farmers switched to drip irrigation.",
]


def labelled_sets(root: Path) -> Path:
    code = root / "code"
    for i in range(4):
        write(code / f"orig{i}", {"m.py": own_work(200 + i, statements=20)})
        write(code / f"copy{i}", {"m.py": own_work(200 + i, statements=20) + ORIGINAL[: 40 * i]})
    rows = ["a,b,label,kind"] + [f"orig{i},copy{i},1,copied" for i in range(4)] + \
        [f"orig{i},orig{(i + 1) % 4},0," for i in range(4)]
    (root / "code.csv").write_text("\n".join(rows) + "\n")
    prose = root / "prose"
    for i in range(4):
        write(prose / f"src{i}", {"a.txt": PROSE[i] + " " + PROSE[(i + 2) % 4]})
        write(prose / f"plg{i}", {"a.txt": PARAPHRASE[i] + " " + PARAPHRASE[(i + 2) % 4]})
    rows = ["a,b,label"] + [f"src{i},plg{i},1" for i in range(4)] + [f"src{i},plg{(i + 1) % 4},0" for i in range(4)]
    (root / "prose.csv").write_text("\n".join(rows) + "\n")
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"sets": [
        {"name": "code", "submissions": "code", "labels": "code.csv"},
        {"name": "prose", "submissions": "prose", "labels": "prose.csv"}]}))
    return manifest


def test_a_fit_gives_non_negative_weights_that_rank_the_copies_first(tmp_path: Path) -> None:
    result = run(labelled_sets(tmp_path))
    model = result["model"]
    assert model["features"] == list(FEATURES)
    for part in ("code", "prose"):
        assert all(w >= 0 for w in model[part]["weights"]) and any(w > 0 for w in model[part]["weights"])
    assert result["roc_auc_fitted"] == {"code": 1.0, "prose": 1.0}
    # Held out, each set's model would have no pairs of its kind to learn from.
    assert result["roc_auc_held_out"] == {"code": None, "prose": None}


def test_the_command_prints_the_model_as_json(tmp_path: Path) -> None:
    manifest = labelled_sets(tmp_path)
    out = tmp_path / "model.json"
    result = CliRunner().invoke(main, ["calibrate", str(manifest), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    fitted = Model(LinearPart(tuple(written["model"]["code"]["weights"]), written["model"]["code"]["intercept"]),
                   LinearPart(tuple(written["model"]["prose"]["weights"]), written["model"]["prose"]["intercept"]))
    copy = np.array([[0.9, 1.0, 0.9, 0.9, 1.0, 1.0]])
    assert fitted.similarity(copy, np.array([1.0]))[0] > fitted.similarity(copy * 0.1, np.array([1.0]))[0]


def test_a_manifest_without_sets_is_a_usage_error(tmp_path: Path) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"sets": []}))
    result = CliRunner().invoke(main, ["calibrate", str(manifest)])
    assert result.exit_code == 2 and "lists no sets" in result.output
