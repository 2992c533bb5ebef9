"""The ``originality`` command line (see CONTRACT.md)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .check import check as run_check
from .errors import UsageError
from .options import CheckOptions
from .report import Report


class _TerminalProgress:
    """A progress bar on stderr when it is a terminal; silent otherwise (CI, pipes)."""

    def __init__(self) -> None:
        self._bar = None
        self._tasks: dict[str, object] = {}
        if sys.stderr.isatty():
            from rich.progress import Progress

            self._bar = Progress(transient=True, console=None)

    def __enter__(self) -> _TerminalProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._bar.add_task(stage, total=total)
        self._bar.update(task, completed=done, total=total)  # type: ignore[arg-type]


@click.group()
@click.version_option(package_name="originality")
def main() -> None:
    """originality: plagiarism and originality checks for student deliverables."""
    # Broken student PDFs are expected; pypdf would log every one of them to stderr.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@main.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--base", "bases", multiple=True, type=click.Path(exists=True),
              help="Starter code (zip or directory); never counts as similarity. Repeatable.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the report JSON to FILE, or '-' for stdout.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False),
              help="Write a static HTML report into DIR.")
@click.option("--min-similarity", type=click.FloatRange(0.0, 1.0), default=CheckOptions().min_similarity,
              show_default=True, help="Leave out pairs below this similarity; 0 lists all scored pairs.")
def check(submissions: tuple[str, ...], bases: tuple[str, ...], json_out: str | None,
          html_dir: str | None, min_similarity: float) -> None:
    """Compare every SUBMISSION (a .zip or a directory) with every other one."""
    try:
        options = CheckOptions(min_similarity=min_similarity)
        with _TerminalProgress() as progress:
            report = run_check(submissions, bases, options, progress)
    except UsageError as error:
        raise click.UsageError(error.message) from error
    if json_out:
        if json_out == "-":
            click.echo(report.to_json(), nl=False)
        else:
            _write(Path(json_out), report.to_json())
    if html_dir:
        from .html_report import write_html

        write_html(report, Path(html_dir))
    if not json_out or json_out != "-":
        _print_summary(report)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _print_summary(report: Report) -> None:
    rejected = [s for s in report.submissions if s.error]
    click.echo(f"{len(report.submissions)} submissions, {len(rejected)} rejected, "
               f"{len(report.pairs)} pairs reported")
    for summary in rejected:
        assert summary.error is not None
        click.echo(f"  rejected {summary.id}: {summary.error['code']}: {summary.error['message']}")
    for pair in report.pairs[:10]:
        click.echo(f"  {pair.similarity:.2f}  {pair.a} ~ {pair.b}  "
                   f"({pair.a_share:.2f} / {pair.b_share:.2f}, {len(pair.fragments)} fragments)")
