"""Schemathesis against the API's own OpenAPI document: the Flask app in this process (WSGI),
SQLite in a temporary directory, valid tokens. Whatever it generates, valid or not, the API must
never answer 500, and what it answers must match the document.

The broker is kombu's in-memory transport (``memory://``): uploads are queued at once and no
worker takes them. (A Redis URL that points nowhere, as in test_cases.py, would also do, but
every accepted upload then waits ~6 s for the connection attempts to give up.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from fixtures import scenarios  # noqa: E402
from fixtures.make_fixtures import zip_bytes  # noqa: E402
from originality.archive import Archive, file_digest  # noqa: E402
from originality.store.access import create_token  # noqa: E402
from originality.store.models import JobStatus  # noqa: E402

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning"),
]


class Fuzz:
    def __init__(self, root: Path) -> None:
        from api import create_app

        self.app = create_app({"DATA_DIR": str(root / "data"), "INDEX": "memory",
                               "REDIS_URL": "memory://", "TESTING": True})
        self.archive: Archive = self.app.extensions["originality"]
        self.schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", self.app)
        # Rows for the generated requests to reach: two checked submissions that match, and a
        # case on the copy (ids the fuzzer cannot guess; see ``known``).
        self.root = root
        self._add(root, "original", "alice")
        copy = self._add(root, "identical", "mallory")
        opened = self.app.test_client().post(
            "/api/v1/cases", json={"submission_id": copy, "stage": "creation", "note": "seed"},
            headers=self.headers("POST", "/api/v1/cases"))
        assert opened.status_code == 201, opened.get_json()
        # The case cleared the copy's triage item; the original's (shared) still waits.
        from originality.triage import Triage

        [waiting] = Triage(self.archive).items()
        from originality.outbox import Outbox
        from originality.store.access import issue_token

        # An event of the outbox (the copy's submission.checked, pending: no webhook here).
        event = next(e for e in Outbox(self.archive.db).events(None)
                     if e["type"] == "submission.checked")
        spare, _ = issue_token(self.archive.db, "assessor", "spare")  # for the revocation
        self.known = {"submission_id": copy, "case_id": opened.get_json()["id"],
                      "student_id": "mallory", "project_id": "p1", "item_id": waiting["id"],
                      "event_id": event["id"], "token_id": spare}

    def _add(self, root: Path, name: str, student: str) -> str:
        [found] = [s for s in scenarios.SCENARIOS if s.id == name]
        path = root / f"{name}.zip"
        path.write_bytes(zip_bytes(scenarios.submission_files(found)))
        sha, size = file_digest(path)
        registered = self.archive.register(sha256=sha, size=size, project_id="p1",
                                           student_id=student, assessor_id="ada")
        assert self.archive.claim(registered.submission.id, 60)
        assert self.archive.process(registered.submission.id, source=path) == JobStatus.DONE
        return registered.submission.id

    def headers(self, method: str, path: str) -> dict[str, str]:
        # Uploads are the platform's; every other operation is open to staff. A new token for
        # each operation: the fuzzed revocation may revoke any id, the callers' own included.
        role = "platform" if (method.upper(), path) == ("POST", "/api/v1/submissions") else "staff"
        name = {"platform": "lms", "staff": "dean"}[role]
        return {"Authorization": f"Bearer {create_token(self.archive.db, role, name)}"}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    mp = pytest.MonkeyPatch()
    mp.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    built = Fuzz(tmp_path_factory.mktemp("fuzz"))
    try:
        yield built
    finally:
        built.archive.close()
        mp.undo()


def _operations(fuzz: Fuzz) -> list[Any]:
    return [result.ok() for result in fuzz.schema.get_all_operations()]


def test_the_spec_lists_every_operation(fuzz: Fuzz) -> None:
    labels = {f"{op.method.upper()} {op.path}" for op in _operations(fuzz)}
    assert {"POST /api/v1/submissions", "GET /api/v1/submissions/{submission_id}",
            "GET /api/v1/submissions/{submission_id}/report", "POST /api/v1/cases",
            "GET /api/v1/cases", "GET /api/v1/cases/{case_id}",
            "POST /api/v1/cases/{case_id}/decision", "GET /api/v1/students/{student_id}/record",
            "POST /api/v1/submissions/{submission_id}/evaluation", "GET /healthz",
            "GET /api/v1/triage", "GET /api/v1/triage/{item_id}",
            "POST /api/v1/triage/{item_id}/dismissal",
            "PUT /api/v1/projects/{project_id}/review-threshold", "GET /api/v1/events",
            "GET /api/v1/events/{event_id}", "POST /api/v1/events/{event_id}/resend",
            "GET /api/v1/tokens", "POST /api/v1/tokens", "POST /api/v1/tokens/{token_id}/revoke"} <= labels


def test_upload_is_documented_as_one_multipart_body(fuzz: Fuzz) -> None:
    """Regression: the file and the form fields were two ``arguments``; the document showed
    only the form (urlencoded, no file) plus an OpenAPI-2 ``in: formData`` parameter."""
    spec = fuzz.app.test_client().get("/api/v1/openapi.json").get_json()
    upload = spec["paths"]["/api/v1/submissions"]["post"]
    assert "parameters" not in upload
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    form = spec["components"]["schemas"]["UploadForm"]
    assert form["properties"]["file"] == {"description": "the deliverable, a ZIP archive",
                                          "type": "string", "format": "binary"}
    assert {"file", "student_id", "project_id"} <= set(form["required"])


def test_status_times_carry_their_offset(fuzz: Fuzz) -> None:
    """Regression: naive UTC times went out without an offset (not an RFC 3339 date-time)."""
    status = fuzz.app.test_client().get(f"/api/v1/submissions/{fuzz.known['submission_id']}",
                                        headers=fuzz.headers("GET", "/")).get_json()
    assert status["created_at"].endswith("+00:00") and status["finished_at"].endswith("+00:00")


def test_a_missing_upload_field_is_named_plainly(fuzz: Fuzz) -> None:
    response = fuzz.app.test_client().post("/api/v1/submissions", data={"student_id": "s"},
                                           headers=fuzz.headers("POST", "/api/v1/submissions"))
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == (
        "file: Missing data for required field.; project_id: Missing data for required field.")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=lambda mode: mode.value)
def test_no_operation_answers_500(fuzz: Fuzz, mode: GenerationMode) -> None:
    failures: list[str] = []
    for operation in _operations(fuzz):
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # nothing to make invalid (GET /healthz)
        try:
            _fuzz_operation(operation, operation.as_strategy(generation_mode=mode),
                            fuzz.headers(operation.method, operation.path))
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failures
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)


def test_no_operation_answers_500_on_existing_rows(fuzz: Fuzz) -> None:
    """Path parameters set to a real submission, case and student, so that the generated
    queries and bodies reach the report, the case and the decision code."""
    failures: list[str] = []
    for operation in _operations(fuzz):
        names = {p.name for p in operation.path_parameters}
        if not names:
            continue
        strategy = operation.as_strategy(path_parameters={n: fuzz.known[n] for n in names})
        try:
            _fuzz_operation(operation, strategy, fuzz.headers(operation.method, operation.path))
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters()) or list(operation.body))


def _fuzz_operation(operation: Any, strategy: Any, headers: dict[str, str]) -> None:
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        # A valid token always (negative mode would otherwise mostly test the 401).
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
