"""Erasing or pseudonymizing the earliest submissions of a processed one-task project.

    .venv/bin/python benchmarks/later_matches.py --students 2000 --data DIR   # builds DIR once
    .venv/bin/python benchmarks/privacy_scale.py --data DIR --first 100 --what pseudonymize
    .venv/bin/python benchmarks/privacy_scale.py --data DIR --first 100 --what retention

On a copy of the archive ``later_matches.py`` processed (every upload through the worker's
task, so each report names hundreds of others), ``pseudonymize`` renames the ``--first``
earliest submissions (``privacy.pseudonymize.pseudonymize``, before the next one's upload), or
the retention job runs at the time the ``--first`` earliest reach the end of their period
(``privacy.retention.apply``, the default policy: the other kinds' periods, all shorter, apply
to every submission). Prints the CPU seconds and how many reports were rewritten (generated
data: no real set has a project this large).
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # after PYTHONPATH: an engine from `git worktree` there is measured

from sqlalchemy import select  # noqa: E402

from originality.archive import Archive  # noqa: E402
from originality.privacy.policy import RetentionPolicy  # noqa: E402
from originality.privacy.pseudonymize import pseudonymize  # noqa: E402
from originality.privacy.retention import apply  # noqa: E402
from originality.store.models import Submission  # noqa: E402
from originality.store.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="an archive later_matches.py processed")
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--what", choices=["pseudonymize", "retention"], default="pseudonymize")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="privacy-scale-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(args.data, copy)
        archive = Archive.open(Settings(data_dir=copy, index="sql"))
        try:
            with archive.db.sessions() as session:
                times = sorted(session.scalars(select(Submission.created_at)))
            last = times[min(args.first, len(times)) - 1] + datetime.timedelta(microseconds=1)
            policy = RetentionPolicy()
            began = time.process_time()
            if args.what == "pseudonymize":
                count = pseudonymize(archive, "benchmark-secret-0123", last, policy)
                print(f"pseudonymized {count} of {len(times)} in {time.process_time() - began:.1f} s of CPU")
            else:
                removed = apply(archive, policy, now=last + datetime.timedelta(days=policy.submissions))["removed"]
                print(f"retention erased {removed.get('submissions', 0)} of {len(times)} in "
                      f"{time.process_time() - began:.1f} s of CPU; reports rewritten "
                      f"{removed.get('mentions_in_reports', 0)}")
        finally:
            archive.close()


if __name__ == "__main__":
    main()
