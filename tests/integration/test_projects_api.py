"""``/api/v1/projects/<project_id>/starter``: the Flask app in this process, SQLite and the
database's own index in a temporary directory; checks run in process (no worker needed)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from fixtures import hostile, scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, file_digest
from originality.store.access import create_token
from originality.store.models import JobStatus

MAX_UPLOAD = 200_000
URL = "/api/v1/projects/{}/starter"

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]


class Service:
    def __init__(self, root: Path) -> None:
        from api import create_app

        self.root = root
        self.app = create_app({"DATA_DIR": str(root / "data"), "REDIS_URL": "memory://",
                               "MAX_UPLOAD_BYTES": MAX_UPLOAD, "TESTING": True})
        self.client = self.app.test_client()
        self.archive: Archive = self.app.extensions["originality"]
        self.tokens = {role: create_token(self.archive.db, role, role)
                       for role in ("platform", "staff", "assessor")}

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def put(self, project: str, data: bytes, role: str = "staff", name: str = "starter.zip") -> Any:
        return self.client.put(URL.format(project), data={"file": (io.BytesIO(data), name)},
                               headers=self.headers(role))

    def add(self, scenario: str, student: str, project: str) -> str:
        [found] = [s for s in scenarios.SCENARIOS if s.id == scenario]
        path = self.root / f"{student}.zip"
        path.write_bytes(zip_bytes(scenarios.submission_files(found)))
        sha, size = file_digest(path)
        registered = self.archive.register(sha256=sha, size=size, project_id=project,
                                           student_id=student, assessor_id="assessor")
        assert self.archive.claim(registered.submission.id, 60)
        assert self.archive.process(registered.submission.id, source=path) == JobStatus.DONE
        return registered.submission.id


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    for name in list(os.environ):
        if name.startswith("ORIGINALITY_"):
            monkeypatch.delenv(name)
    built = Service(tmp_path)
    try:
        yield built
    finally:
        built.archive.close()


def starter_bytes() -> bytes:
    return zip_bytes({path: text.encode() for path, text in scenarios.BASE_FILES.items()})


def test_staff_set_a_starter_that_everyone_may_read(service: Service) -> None:
    assert service.client.get(URL.format("p1"), headers=service.headers("assessor")).status_code == 404
    response = service.put("p1", starter_bytes())
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["project_id"] == "p1" and body["files"] == len(scenarios.BASE_FILES)
    assert len(body["sha256"]) == 64 and body["name"] == "starter.zip" and body["set_by"] == "staff"
    assert body["updated_at"].endswith("+00:00")
    for role in ("platform", "staff", "assessor"):
        read = service.client.get(URL.format("p1"), headers=service.headers(role))
        assert read.status_code == 200 and read.get_json() == body
    assert service.put("p1", starter_bytes(), role="platform").status_code == 200
    missing = service.client.get(URL.format("p2"), headers=service.headers("staff"))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_only_platform_and_staff_set_a_starter(service: Service) -> None:
    assert service.put("p1", starter_bytes(), role="assessor").status_code == 403
    anonymous = service.client.put(URL.format("p1"),
                                   data={"file": (io.BytesIO(starter_bytes()), "s.zip")})
    assert anonymous.status_code == 401
    assert service.client.get(URL.format("p1")).status_code == 401


@pytest.mark.parametrize("data, status, code", [
    (b"just some text", 422, "not_a_zip"),
    (hostile.overlap_bomb(), 422, "zip_bomb"),
    (b"PK\x03\x04" + os.urandom(MAX_UPLOAD), 413, "too_large"),
], ids=["not a zip", "zip bomb", "too large"])
def test_a_bad_starter_is_refused_with_its_code(service: Service, data: bytes, status: int,
                                                code: str) -> None:
    response = service.put("p1", data)
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert service.archive.starter("p1") is None
    assert list((service.root / "data" / "uploads").rglob("*.zip")) == []


def test_submissions_checked_after_the_starter_is_set_leave_it_out(service: Service) -> None:
    template = service.add("template_only", "alice", "p1")
    before = service.add("independent_a", "bob", "p1")
    staff = service.headers("staff")
    early = service.client.get(f"/api/v1/submissions/{before}/report", headers=staff).get_json()
    assert template in [m["submission_id"] for m in early["matches"]]
    assert service.put("p1", starter_bytes()).status_code == 200
    after = service.add("independent_b", "carol", "p1")
    report = service.client.get(f"/api/v1/submissions/{after}/report", headers=staff).get_json()
    assert template not in [m["submission_id"] for m in report["matches"]]
    # The starter's lines, as ranges, per submission shown.
    assert set(report["template_lines"]) == {after} | {m["submission_id"] for m in report["matches"]}
    ranges = report["template_lines"][after]["gradebook-b/main.py"]
    assert ranges and all(first <= last for first, last in ranges)


def test_the_starter_endpoints_are_documented(service: Service) -> None:
    spec = service.client.get("/api/v1/openapi.json").get_json()
    operations = spec["paths"]["/api/v1/projects/{project_id}/starter"]
    assert set(operations) >= {"get", "put"}
    assert list(operations["put"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert "template_lines" in spec["components"]["schemas"]["ReportOut"]["properties"]


SOURCE = ("La recherche montre que la pratique espacée améliore durablement la mémorisation des "
          "connaissances chez les étudiants de premier cycle")


def _citing(service: Service, student: str, project: str, own: str) -> str:
    path = service.root / f"{student}-{project}.zip"
    path.write_bytes(zip_bytes({"rapport.md": f"# Rapport\n\n{own}\n\n« {SOURCE} » (Martin, 2019).\n".encode()}))
    sha, size = file_digest(path)
    registered = service.archive.register(sha256=sha, size=size, project_id=project,
                                          student_id=student, assessor_id="assessor")
    assert service.archive.claim(registered.submission.id, 60)
    assert service.archive.process(registered.submission.id, source=path) == JobStatus.DONE
    return registered.submission.id


def test_a_project_may_count_quotations_and_the_choice_is_audited(service: Service) -> None:
    url = "/api/v1/projects/{}/quotations"
    assert service.client.get(url.format("p1"), headers=service.headers("assessor")).get_json() == {
        "project_id": "p1", "leave_out": True, "source": "default", "default": True,
        "set_by": None, "updated_at": None}
    assert service.client.put(url.format("p2"), json={"leave_out": False},
                              headers=service.headers("assessor")).status_code == 403
    assert service.client.put(url.format("p2"), json={"leave_out": "sometimes"},
                              headers=service.headers("staff")).status_code == 422
    chosen = service.client.put(url.format("p2"), json={"leave_out": False}, headers=service.headers("staff"))
    assert chosen.status_code == 200
    assert chosen.get_json()["leave_out"] is False and chosen.get_json()["source"] == "project"
    assert chosen.get_json()["updated_at"].endswith("+00:00")  # as every endpoint writes times
    alice_words = ("Notre projet compare trois méthodes de révision pour un examen de statistique "
                   "auprès de vingt camarades volontaires.")
    bob_words = ("Ce rapport décrit une application mobile qui rappelle aux élèves de relire leurs "
                 "cours chaque soir.")
    staff = service.headers("staff")
    scores = {}
    for project in ("p1", "p2"):
        _citing(service, "alice", project, alice_words)
        second = _citing(service, "bob", project, bob_words)
        report = service.client.get(f"/api/v1/submissions/{second}/report", headers=staff).get_json()
        scores[project] = max((m["similarity"] for m in report["matches"]), default=0.0)
        assert bool(report["quotations"]) is (project == "p1")
    assert scores["p1"] < 0.2 < scores["p2"], scores
    with service.archive.db.sessions() as session:
        from originality.store.models import AuditLog
        [entry] = session.query(AuditLog).filter_by(action="project.quotations").all()
        assert (entry.actor, entry.subject) == ("staff", "project:p2")


def test_a_template_quotation_is_starter_code_in_a_project_that_counts_quotations(service: Service) -> None:
    # A report template citing a source: a project that counts quotations reads the template as it
    # reads its students' reports, so the quotation is starter text in both and counts for no pair.
    template = (f"# Rapport\n\nComme le rappelle l'auteur, « {SOURCE} » (Martin, 2019). Gardez cette "
                "phrase en tête en rédigeant votre rapport.\n\n## Introduction\n\nPrésentez le projet.\n")
    staff = service.headers("staff")
    assert service.client.put("/api/v1/projects/p3/quotations", json={"leave_out": False},
                              headers=staff).status_code == 200
    assert service.put("p3", zip_bytes({"rapport.md": template.encode()})).status_code == 200
    words = {"alice": "Notre projet compare trois méthodes de révision pour un examen de statistique "
                      "auprès de vingt camarades volontaires.",
             "bob": "Ce rapport décrit une application mobile qui rappelle aux élèves de relire leurs "
                    "cours chaque soir."}
    for student, own in words.items():
        path = service.root / f"{student}-p3.zip"
        path.write_bytes(zip_bytes({"rapport.md": f"{template}\n{own}\n".encode()}))
        sha, size = file_digest(path)
        registered = service.archive.register(sha256=sha, size=size, project_id="p3", student_id=student,
                                              assessor_id="assessor")
        assert service.archive.claim(registered.submission.id, 60)
        assert service.archive.process(registered.submission.id, source=path) == JobStatus.DONE
    report = service.client.get(f"/api/v1/submissions/{registered.submission.id}/report", headers=staff).get_json()
    assert max((m["similarity"] for m in report["matches"]), default=0.0) < 0.2, report["matches"]
