"""The ``originality`` command line (docs/contract.md lists what it promises)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click

from .check import check as run_check
from .errors import OriginalityError, UsageError
from .options import NORMALIZATIONS, SYNTAX_NORMALIZATIONS, TOKENIZER, TOKENIZERS, CheckOptions, MatchOptions
from .model import DocumentState
from .percents import percent
from .report import Report, not_compared, young_note


class _TerminalProgress:
    """A progress bar on stderr when it is a terminal; silent otherwise (CI, pipes)."""

    def __init__(self) -> None:
        self._bar = None
        self._tasks: dict[str, object] = {}
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            # rich's default console is stdout's: the bar went into `--json -` and summaries.
            self._bar = Progress(transient=True, console=Console(stderr=True))

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


class _WithServiceCommands(click.Group):
    """The engine's commands plus those of the service layers (``serve``, ``worker``).

    The service commands are found through the ``originality.commands`` entry points and
    loaded only when asked for, so the engine never imports Flask or Celery itself.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_service_commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in _service_commands():
            try:
                command = _service_commands()[name].load()
            except ModuleNotFoundError as error:
                # `pip install originality` without the service extra still installs api/ and
                # worker/, whose packages import Flask and Celery: list the command (`--help`
                # must not fail) and have it say what to install.
                message = _missing_extra(error, name)
                if message is None:
                    raise
                command = _needs_extra(name, message)
        return command

    def invoke(self, ctx: click.Context) -> object:
        # A command can need an extra only once it runs: a PostgreSQL URL needs psycopg.
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as error:
            message = _missing_extra(error, ctx.invoked_subcommand or ctx.info_name or "")
            if message is None:
                raise
            raise click.ClickException(message) from error
        except OriginalityError as error:
            # An expected failure (the schema behind, a refused setting) is one line with its
            # stable code, not a traceback.
            raise click.ClickException(f"{error.code}: {error.message}") from error
        except Exception as error:
            from sqlalchemy.exc import OperationalError

            if not isinstance(error, OperationalError):
                raise
            # The database is down or the URL wrong: the operator needs the driver's reason.
            raise click.ClickException(
                f"database_unavailable: {str(error.orig).strip().splitlines()[0]}") from error


def _needs_extra(name: str, message: str) -> click.Command:
    def fail() -> None:
        raise click.ClickException(message)

    return click.Command(name, callback=fail, help=message, short_help=message,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


def _missing_extra(error: ModuleNotFoundError, command: str) -> str | None:
    """One line naming the extra that installs the missing module; None when no extra does
    (a broken install, or a bug: the traceback is then the useful answer)."""
    top = (error.name or "").split(".")[0]
    extra = _extra_providing(top)
    if extra is None:
        return None
    return f"originality {command} needs {top}, from the {extra} extra: pip install 'originality[{extra}]'"


def _service_commands() -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group="originality.commands")}


def _extra_providing(module: str) -> str | None:
    """The optional extra of this package that installs ``module``, read from the installed
    metadata (so the message follows pyproject.toml); None for anything else."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires("originality") or []
    except PackageNotFoundError:
        return None
    extras = set()
    for line in declared:  # e.g. 'psycopg[binary]>=3.1; extra == "service"'
        name = re.match(r"[A-Za-z0-9._-]+", line)
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", line)
        if name and extra and name.group(0).lower().replace("-", "_") == module:
            extras.add(extra.group(1))
    # psycopg is in the test extra too; the service extra is the one a user wants.
    return "service" if "service" in extras else min(extras, default=None)


@click.group(cls=_WithServiceCommands)
@click.version_option(package_name="originality")
def main() -> None:
    """originality: plagiarism and originality checks for student deliverables."""
    # Broken student PDFs are expected; pypdf would log every one of them to stderr.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@main.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--base", "bases", multiple=True, type=click.Path(exists=True),
              help="Starter code (zip, directory or one file); never counts as similarity. Repeatable.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the report JSON to FILE, or '-' for stdout.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False),
              help="Write a static HTML report into DIR.")
@click.option("--min-similarity", type=click.FloatRange(0.0, 1.0), default=CheckOptions().min_similarity,
              show_default=True, help="Leave out pairs below this similarity; 0 lists all scored pairs.")
@click.option("--tokenizer", type=click.Choice(TOKENIZERS), default=TOKENIZER, show_default=True,
              help="How code becomes tokens: parsed where a grammar exists, or lexed everywhere.")
@click.option("--normalizations", default=",".join(NORMALIZATIONS), show_default=True,
              help=f"The parser's rewrites, comma-separated ('' for none) of: {', '.join(SYNTAX_NORMALIZATIONS)}.")
@click.option("--keep-quotations", is_flag=True,
              help="Count quotations that cite their source like any text (by default they are "
                   "listed in the report and left out of the similarity).")
def check(submissions: tuple[str, ...], bases: tuple[str, ...], json_out: str | None,
          html_dir: str | None, min_similarity: float, tokenizer: str, normalizations: str,
          keep_quotations: bool) -> None:
    """Compare every SUBMISSION (a .zip or a directory) with every other one."""
    # Where the outputs go is made ready first: found unwritable after the run, a class's
    # check was lost with a traceback.
    if json_out and json_out != "-":
        _writable_folder(Path(json_out).parent, "--json")
    if html_dir:
        _writable_folder(Path(html_dir), "--html")
    try:
        match = MatchOptions(tokenizer=tokenizer,
                             normalizations=tuple(name for name in normalizations.split(",") if name),
                             leave_out_quotations=not keep_quotations)
        options = CheckOptions(min_similarity=min_similarity, match=match)
        with _TerminalProgress() as progress:
            report = run_check(submissions, bases, options, progress)
    except UsageError as error:
        raise click.UsageError(error.message) from error
    if json_out:
        if json_out == "-":
            for chunk in report.json_chunks():
                click.echo(chunk, nl=False)
        else:
            _write(Path(json_out), report.json_chunks())
    if html_dir:
        from .html_report import write_html

        write_html(report, Path(html_dir))
    if not json_out or json_out != "-":
        _print_summary(report)


@main.command()
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="Write the model and its figures as JSON to FILE ('-': stdout).")
def calibrate(manifest: str, out: str) -> None:
    """Fit the calibrated similarity on the labelled sets a MANIFEST lists (JSON; see
    originality/calibrate.py) and print its coefficients with each set's held-out ROC-AUC."""
    from .calibrate import run

    try:
        result = run(Path(manifest), lambda message: click.echo(message, err=True))
    except UsageError as error:
        raise click.UsageError(error.message) from error
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    if out == "-":
        click.echo(text, nl=False)
    else:
        _write(Path(out), [text])


def _writable_folder(folder: Path, option: str) -> None:
    """Make ``folder`` (and its parents) or say in one line why it cannot be written to."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.UsageError(f"{option}: cannot make the folder {folder}: {error.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise click.UsageError(f"{option}: the folder {folder} cannot be written to")


def _write(path: Path, chunks: Iterable[str]) -> None:
    """Write text given in pieces (a report of millions of pairs is never one string)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(chunks)


# The strongest pairs the summary names; the outputs list every one.
SUMMARY_PAIRS = 10


def _print_summary(report: Report) -> None:
    rejected = [s for s in report.submissions if s.error]
    click.echo(f"{_counted(len(report.submissions), 'submission')}, {len(rejected)} rejected, "
               f"{_counted(len(report.pairs), 'pair')} reported")
    note = young_note(report.groups)
    if note:
        click.echo(f"  note: {note}")
    for summary in rejected:
        assert summary.error is not None
        click.echo(f"  rejected {summary.id}: {summary.error['code']}: {summary.error['message']}")
    for summary in report.submissions:
        _print_flags(summary.id, summary.flags)
    _print_not_compared(report)
    for pair in report.pairs[:SUMMARY_PAIRS]:
        evidence = (f"{percent(pair.a_share)} / {percent(pair.b_share)}, "
                    f"{_counted(len(pair.fragments), 'fragment')}"
                    if pair.fragments or pair.a_share or pair.b_share else "its score alone, not aligned")
        click.echo(f"  {percent(pair.similarity):>6}  {pair.a} ~ {pair.b}  ({evidence})")
    if len(report.pairs) > SUMMARY_PAIRS:
        click.echo(f"  and {_counted(len(report.pairs) - SUMMARY_PAIRS, 'more pair')}: "
                   "the JSON and the HTML report list them all")


def _print_not_compared(report: Report) -> None:
    """One line per reason a file the student may have meant to hand in was never compared (too
    large, unreadable, no text), its first files named; the skipped ones (data, a library, a
    tool's files: what nobody in the class writes) only in the JSON and the HTML report."""
    for reason in not_compared((s.id, s.unread) for s in report.submissions):
        if reason.state == DocumentState.SKIPPED.value:
            continue
        named = ", ".join(f"{sid}: {file}" for sid, file in reason.shown)
        more = f" and {reason.more} more" if reason.more else ""
        click.echo(f"  not compared ({reason.state}): {reason.detail}: {named}{more}")


def _counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun as English says it: "1 fragment", "5 fragments"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _print_flags(submission: str, flags: Iterable[dict[str, object]]) -> None:
    """One line per trick found (evidence for a person, not a verdict)."""
    for flag in flags:
        click.echo(f"  flag {submission}: {flag['file']}: {flag['kind']} ({flag['count']})")


# -- the archive and tokens of the service; ``serve`` and ``worker`` live in api/ and worker/.


def _settings() -> object:
    """The settings of the environment. An invalid one is not the command line's fault: its
    ``UsageError`` reaches ``main``'s ``invoke``, which says it in one line with its code and
    exits 1, as ``serve`` and ``worker`` do (not Click's usage lines and exit 2)."""
    from .store.settings import Settings

    return Settings.from_env()


def _student_map(path: str | None) -> dict[str, dict[str, str]]:
    """CSV with a header: ``submission,student_id`` and optionally ``attempt``, ``submitted_at``."""
    if path is None:
        return {}
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"submission", "student_id"} <= set(rows[0]):
        raise click.UsageError("--student-map needs the columns submission and student_id")
    return {row["submission"].strip(): row for row in rows}


@main.group()
def archive() -> None:
    """The persistent archive the service checks uploads against."""


@archive.command("add")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--project", required=True, help="The project these submissions belong to.")
@click.option("--student-map", type=click.Path(exists=True, dir_okay=False),
              help="CSV (submission,student_id[,attempt]) naming each submission's student; "
                   "without it a submission's id is its student's.")
def archive_add(submissions: tuple[str, ...], project: str, student_map: str | None) -> None:
    """Import past SUBMISSIONS (zips or directories) into the archive. Idempotent."""
    from datetime import datetime

    from .archive import BATCH, Archive, Imported, PastSubmission
    from .check import submission_id

    settings = _settings()
    people = _student_map(student_map)
    items = []
    for raw in submissions:
        name = submission_id(raw)
        row = people.get(name, {})
        submitted = row.get("submitted_at") or None
        items.append(PastSubmission(Path(raw), name, (row.get("student_id") or name).strip(),
                                    int(row.get("attempt") or 1),
                                    datetime.fromisoformat(submitted) if submitted else None))
    store = Archive.open(settings)  # type: ignore[arg-type]
    done = Imported()
    try:
        with _TerminalProgress() as progress:
            for start in range(0, len(items), BATCH):
                done.add(store.import_batch(project, items[start : start + BATCH]))
                progress("archive", min(start + BATCH, len(items)), len(items))
    finally:
        store.close()
    for name, why in done.rejected:
        click.echo(f"  rejected {name}: {why}", err=True)
    click.echo(f"{done.added} added, {done.existing} already in the archive, {len(done.rejected)} "
               f"rejected (project {project})")


@archive.command("check")
@click.argument("submission", type=click.Path(exists=True))
@click.option("--project", required=True)
@click.option("--student", help="The submission's student: their earlier attempts are listed apart.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the matches as JSON to FILE, or '-' for stdout.")
def archive_check(submission: str, project: str, student: str | None, json_out: str | None) -> None:
    """Check one SUBMISSION against the archive, without adding it."""
    import json

    from .archive import Archive
    from .check import load_submission, submission_id
    from .fingerprint import SymbolTable

    store = Archive.open(_settings())  # type: ignore[arg-type]
    result: dict[str, Any]
    try:
        empty = not store.has_entries(project)
        loaded = load_submission(submission, store.options_for(project), SymbolTable(),
                                 submission_id(submission))
        if loaded.error is not None:
            result = {"submission": loaded.id, "status": "rejected", "error": loaded.error.to_dict(),
                      "matches": [], "own_attempts": [], "template_lines": {}}
        else:
            result = {"status": "ok", "error": None, **store.compare(loaded, project, student)}
    finally:
        store.close()
    if empty:  # a completed run (exit 0), but "0 matches" alone would hide a misspelt --project
        click.echo(f"note: project {project} has no entries in the archive: nothing to compare with", err=True)
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if json_out == "-":
        click.echo(text, nl=False)
        return
    if json_out:
        _write(Path(json_out), [text])
    if result["status"] == "rejected":
        click.echo(f"rejected {loaded.id}: {result['error']['code']}: {result['error']['message']}")
        return
    click.echo(f"{_counted(len(result['matches']), 'match', 'matches')}, "
               f"{_counted(len(result['own_attempts']), 'own earlier attempt')}")
    _print_flags(loaded.id, result.get("flags", []))
    for match in result["matches"][:10]:
        click.echo(f"  {percent(match['similarity']):>6}  {match['name'] or match['submission_id']} "
                   f"(student {match['student_id']}, {_counted(len(match['fragments']), 'fragment')})")


@archive.command("starter")
@click.argument("zip_path", metavar="ZIP", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", required=True, help="The project whose starter code this is.")
def archive_starter(zip_path: str, project: str) -> None:
    """Set a project's starter code (a ZIP): every later check of the project leaves it out,
    as ``check --base`` does. Setting it again replaces it."""
    from .archive import Archive
    from .errors import OriginalityError

    settings = _settings()
    cap: int = settings.max_upload_bytes  # type: ignore[attr-defined]
    store = Archive.open(settings)  # type: ignore[arg-type]
    try:
        with open(zip_path, "rb") as handle:
            sha, size = store.store.put_stream(handle, cap)
        summary = store.set_starter(project, sha, size, name=Path(zip_path).name, set_by="cli")
    except OriginalityError as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    finally:
        store.close()
    click.echo(f"starter code of project {project}: {summary['files']} files, "
               f"sha256 {summary['sha256']}")


@archive.command("copy-uploads")
@click.option("--from-dir", "from_dir", type=click.Path(exists=True, file_okay=False),
              help="The uploads directory to copy from (default: $ORIGINALITY_DATA_DIR/uploads).")
def archive_copy_uploads(from_dir: str | None) -> None:
    """Copy the uploads kept in a data dir into the blob store the settings name (the
    database on PostgreSQL): once, when a deployment moves its uploads there. Idempotent."""
    from .archive import Archive, LocalBlobStore, copy_blobs

    settings = _settings()
    source = LocalBlobStore(Path(from_dir) if from_dir else settings.uploads_dir)  # type: ignore[attr-defined]
    store = Archive.open(settings)  # type: ignore[arg-type]
    try:
        if isinstance(store.store, LocalBlobStore) and store.store.root.resolve() == source.root.resolve():
            raise click.UsageError("the blob store is that directory already: nothing to copy "
                                   "(set ORIGINALITY_BLOB_STORE=database)")
        copied, present = copy_blobs(source, store.store)
    finally:
        store.close()
    click.echo(f"{copied} uploads copied, {present} already there ({type(store.store).__name__})")


@archive.command("reindex")
@click.option("--project", help="Only this project; without it, every project in the archive.")
def archive_reindex(project: str | None) -> None:
    """Sketch every archived entry again (starter code left out) and rebuild the candidate
    index (the database's, or Redis)."""
    from .archive import Archive

    store = Archive.open(_settings())  # type: ignore[arg-type]
    try:
        counts = store.reindex(project)
        kind = type(store.index).__name__
    finally:
        store.close()
    click.echo(f"{sum(counts.values())} entries indexed in {len(counts)} projects ({kind})")


@archive.command("rescore")
@click.argument("project")
def archive_rescore(project: str) -> None:
    """Score again the project's reports it has outgrown, as the worker does once the project
    is quiet (a young project's at each doubling, and any of the last 30 days when the project
    now holds at least 10% more independent submissions than the report was scored among):
    here, in the order they were checked."""
    from .archive import Archive

    store = Archive.open(_settings())  # type: ignore[arg-type]
    try:
        due = store.due_for_rescoring(project, quiet=True)
        done = sum(store.rescore(submission_id, when_due=True) for submission_id in due)
    finally:
        store.close()
    click.echo(f"{done} of {len(due)} due reports of {project} scored again")


@archive.command("retokenize")
@click.option("--project", help="Only this project; without it, every project in the archive.")
@click.option("--dry-run", is_flag=True, help="Only count the entries that other tokens made.")
def archive_retokenize(project: str | None, dry_run: bool) -> None:
    """Make again the units of the archived entries that other tokens made (an upgrade that
    changed the token streams, another tokenizer, a project's new choice about quotations),
    from the texts the archive keeps, then index them again. Idempotent; run it after
    `originality db upgrade` when that says so."""
    from .archive import Archive

    store = Archive.open(_settings())  # type: ignore[arg-type]
    try:
        if dry_run:
            stale = store.stale_entries(project)
            click.echo(f"{sum(stale.values())} entries to retokenize in {len(stale)} projects")
            for name, count in stale.items():
                click.echo(f"  {name}: {count}")
            return
        with _TerminalProgress() as progress:
            counts = store.retokenize(project, progress=lambda name, done, total: progress(
                f"retokenize {name}", done, total))
    finally:
        store.close()
    click.echo(f"{sum(c['retokenized'] for c in counts.values())} entries retokenized, "
               f"{sum(c['current'] for c in counts.values())} already current, "
               f"{sum(c['unreadable'] for c in counts.values())} unreadable (kept as they were) "
               f"in {len(counts)} projects")


@main.group()
def db() -> None:
    """The database's schema (docs/deploy.md, "Upgrading")."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema up to date: run once per release, before the new version's API and
    workers start. Safe to run on several machines at once: they take turns."""
    from .store.db import make_engine, migrate

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)  # type: ignore[attr-defined]
    try:
        before, after = migrate(engine, settings.data_dir)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"database already at {after} (head)")
    else:
        click.echo(f"database upgraded from {before or 'an empty schema'} to {after} (head)")
    from .archive import Archive

    store = Archive.open(settings, migrate=False)  # type: ignore[arg-type]
    try:
        stale = sum(store.stale_entries().values())
    finally:
        store.close()
    if stale:
        click.echo(f"{stale} archived entries were made with other tokens than this version's: "
                   f"run `originality archive retokenize`")


@db.command("current")
def db_current() -> None:
    """Print the schema's revision and this version's; exit 1 when the schema is behind."""
    from .store.db import current_revision, head_revision, make_engine, require_current

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)  # type: ignore[attr-defined]
    try:
        click.echo(f"database at {current_revision(engine) or 'an empty schema'}; "
                   f"this version needs {head_revision()}")
        require_current(engine)
    finally:
        engine.dispose()


@main.group()
def token() -> None:
    """API tokens: create, list, revoke."""


def _token_db() -> Any:
    from .store.db import Database

    settings = _settings()
    return Database(settings.sqlalchemy_url, settings.data_dir,  # type: ignore[attr-defined]
                    migrate_now=settings.migrate_at_start)  # type: ignore[attr-defined]


@token.command("create")
@click.option("--role", required=True, type=click.Choice(["platform", "assessor", "staff"]))
@click.option("--name", required=True, help="Who holds it; for an assessor, their assessor_id.")
@click.option("--expires-in", "expires_in", type=int, metavar="DAYS",
              help="Expire after DAYS days (1 to 3650); without it the token lasts until revoked.")
def token_create(role: str, name: str, expires_in: int | None) -> None:
    """Create a token; it is printed once, as the last line, and stored hashed."""
    from .store.access import issue_token

    db = _token_db()
    try:
        token_id, secret = issue_token(db, role, name, expires_in)
    except UsageError as error:
        raise click.UsageError(error.message) from error
    finally:
        db.dispose()
    until = f", expires in {expires_in} days" if expires_in else ""
    click.echo(f"token {token_id} for {role} {name}{until}:")
    click.echo(secret)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@token.command("list")
def token_list() -> None:
    """Every token: id, role, name, status (active, expired, revoked) and its times (UTC).
    The tokens themselves are not stored and cannot be shown."""
    from .store.access import list_tokens

    db = _token_db()
    try:
        rows = list_tokens(db)
    finally:
        db.dispose()
    click.echo(f"{'id':>5}  {'role':<8}  {'status':<7}  {'created':<16}  {'expires':<16}  "
               f"{'revoked':<16}  name")
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['role']:<8}  {row['status']:<7}  "
                   f"{_when(row['created_at']):<16}  {_when(row['expires_at']):<16}  "
                   f"{_when(row['revoked_at']):<16}  {row['name']}")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@click.option("--why", default="", help="The reason, kept in the audit log.")
def token_revoke(token_id: int, why: str) -> None:
    """Revoke token ID (from 'token list') at once: its requests get 401 token_revoked and
    its page sessions end. Revoking it again changes nothing."""
    from .errors import NotFound
    from .store.access import revoke_token

    db = _token_db()
    try:
        row = revoke_token(db, token_id, why=why)
    except NotFound as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    finally:
        db.dispose()
    click.echo(f"token {row['id']} ({row['role']} {row['name']}) revoked at "
               f"{_when(row['revoked_at'])} UTC")


@main.group()
def student() -> None:
    """A student's rights over their data (docs/privacy.md): export and erasure."""


@student.command("export")
@click.argument("student_id")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="Write the export to FILE, or '-' for stdout.")
@click.option("--zip", "bundle", is_flag=True,
              help="One ZIP of the JSON document and the student's uploaded ZIPs (needs --out).")
def student_export(student_id: str, out: str, bundle: bool) -> None:
    """Everything held about STUDENT_ID, as one JSON document, or with --zip as one ZIP that
    also holds the uploads themselves (access and portability)."""
    from .archive import Archive
    from .privacy.export import export_bundle, export_student

    if bundle and out == "-":
        raise click.UsageError("--zip writes a file: give it with --out FILE")
    settings = _settings()
    archive = Archive.open(settings)  # type: ignore[arg-type]
    secret = settings.pseudonym_secret  # type: ignore[attr-defined]
    try:
        if bundle:
            data, document = export_bundle(archive.db, archive.store, student_id, secret)
        else:
            document = export_student(archive.db, student_id, pseudonym_secret=secret)
            data = (json.dumps(document, indent=1, sort_keys=True) + "\n").encode()
    except UsageError as error:
        raise click.UsageError(error.message) from error
    finally:
        archive.close()
    if out == "-":
        click.echo(data.decode(), nl=False)
        return
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(data)
    rows = sum(len(r) for r in document["tables"].values())
    uploads = document.get("uploads")
    also = f" and {sum(1 for u in uploads.values() if u)} uploads" if uploads is not None else ""
    click.echo(f"{rows} rows about {student_id} in {len(document['tables'])} tables{also} "
               f"written to {out}")


@student.command("erase")
@click.argument("student_id")
@click.option("--by", "actor", default="cli", show_default=True,
              help="Who asked for it, for the audit log.")
def student_erase(student_id: str, actor: str) -> None:
    """Erase what the policy allows of STUDENT_ID; print what was removed and what was kept
    (a case in force and its evidence), as JSON. Running it again removes nothing more."""
    from .archive import Archive
    from .privacy.erasure import erase_student

    settings = _settings()
    store = Archive.open(settings)  # type: ignore[arg-type]
    try:
        answer = erase_student(store, student_id, settings.retention,  # type: ignore[attr-defined]
                               actor=actor, role="staff",
                               pseudonym_secret=settings.pseudonym_secret)  # type: ignore[attr-defined]
    except UsageError as error:
        raise click.UsageError(error.message) from error
    finally:
        store.close()
    click.echo(json.dumps(answer, indent=1, sort_keys=True))


@student.command("pseudonym")
@click.argument("student_id")
def student_pseudonym(student_id: str) -> None:
    """Print the pseudonym STUDENT_ID's work is kept under in a pseudonymized archive (and
    shown as to the roles that do not see other students), under ORIGINALITY_PSEUDONYM_SECRET."""
    from .privacy.exposure import pseudonym
    from .privacy.pseudonymize import require_secret

    settings = _settings()
    try:
        secret = require_secret(settings.pseudonym_secret)  # type: ignore[attr-defined]
    except UsageError as error:
        raise click.UsageError(error.message) from error
    click.echo(pseudonym(secret, student_id))


@archive.command("pseudonymize")
@click.option("--before", "before", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Pseudonymize the submissions uploaded before this day (YYYY-MM-DD, UTC).")
@click.option("--project", help="Only this project's.")
def archive_pseudonymize(before: Any, project: str | None) -> None:
    """Keep past cohorts under a keyed pseudonym of their student ids (HMAC-SHA-256 under
    ORIGINALITY_PSEUDONYM_SECRET): matches with them still lead to a case, and only the key
    tells whose work it was. A case in force keeps its student's id. Idempotent."""
    from .archive import Archive
    from .privacy.pseudonymize import pseudonymize

    settings = _settings()
    store = Archive.open(settings)  # type: ignore[arg-type]
    try:
        count = pseudonymize(store, settings.pseudonym_secret, before,  # type: ignore[attr-defined]
                             settings.retention, project_id=project)  # type: ignore[attr-defined]
    except UsageError as error:
        raise click.UsageError(error.message) from error
    finally:
        store.close()
    click.echo(f"{count} submissions pseudonymized (uploaded before {before.date().isoformat()})")


@main.group()
def retention() -> None:
    """The retention policy (ORIGINALITY_RETAIN_*_DAYS, docs/privacy.md)."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Remove the data past its retention period; print the counts per kind. The service's
    worker runs this every ORIGINALITY_RETENTION_INTERVAL seconds."""
    from .archive import Archive
    from .privacy.retention import apply

    settings = _settings()
    store = Archive.open(settings)  # type: ignore[arg-type]
    try:
        answer = apply(store, settings.retention, dry_run=dry_run,  # type: ignore[attr-defined]
                       actor="cli")
    finally:
        store.close()
    removed = answer["removed"]
    verb = "would remove" if dry_run else "removed"
    click.echo(f"retention {verb}: " + (", ".join(f"{k} {v}" for k, v in removed.items()) or "nothing"))
