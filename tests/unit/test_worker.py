"""The check task's part in delivering events, with a fake archive (the real worker and relay
run in tests/integration/test_service.py and test_webhook_delivery.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import worker.app
from originality.store.models import JobStatus

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*")]


class FakeArchive:
    """Stores the report (its events go to the outbox with it) and then fails, or succeeds."""

    def __init__(self, fail_after_report: bool) -> None:
        self.fail_after_report = fail_after_report
        self.released: list[str] = []

    def claim(self, submission_id: str, lease_seconds: float) -> bool:
        return True

    def process(self, submission_id: str) -> str:
        if self.fail_after_report:
            raise RuntimeError("the database went away while finishing")
        return JobStatus.DONE

    def release(self, submission_id: str) -> None:
        self.released.append(submission_id)

    def get(self, submission_id: str) -> SimpleNamespace:
        return SimpleNamespace(id=submission_id, project_id="p")

    def due_for_rescoring(self, project_id: str) -> list[str]:
        return ["early1", "early2"] if project_id == "p" else []

    def settle_quiet(self) -> list[str]:
        return ["quiet1"]


@pytest.mark.parametrize("fail_after_report", [False, True])
def test_a_check_asks_for_a_relay_pass_whether_it_ends_or_fails(
        monkeypatch: pytest.MonkeyPatch, fail_after_report: bool) -> None:
    # Events committed with the report are in the outbox even when the check then fails: a
    # relay pass is queued either way (and the relay thread would find them anyway).
    fake = FakeArchive(fail_after_report)
    pokes: list[str] = []
    monkeypatch.setattr(worker.app, "archive", lambda: fake)
    monkeypatch.setattr(worker.app, "relay_soon", lambda **_: pokes.append("relay"))
    if fail_after_report:
        # Called directly (not by a worker), Celery's retry raises the original error.
        with pytest.raises(RuntimeError):
            worker.app.check_submission.run("s1")
        assert fake.released == ["s1"]
    else:
        assert worker.app.check_submission.run("s1") == JobStatus.DONE
    assert pokes == ["relay"]


def test_a_done_check_queues_the_young_reports_its_arrival_made_due(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeArchive(False)
    sent: list[tuple[str, tuple[str, ...]]] = []
    monkeypatch.setattr(worker.app, "archive", lambda: fake)
    monkeypatch.setattr(worker.app, "relay_soon", lambda **_: None)
    monkeypatch.setattr(worker.app.app, "send_task", lambda name, args, **_: sent.append((name, args)))
    assert worker.app.check_submission.run("s1") == JobStatus.DONE
    assert sent == [(worker.app.RESCORE_TASK, ("early1",)), (worker.app.RESCORE_TASK, ("early2",))]


def test_the_recovery_loop_queues_the_quiet_projects_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, tuple[str, ...]]] = []
    monkeypatch.setattr(worker.app, "archive", lambda: FakeArchive(False))
    monkeypatch.setattr(worker.app.app, "send_task", lambda name, args, **_: sent.append((name, args)))
    assert worker.app.settle() == 1
    assert sent == [(worker.app.RESCORE_TASK, ("quiet1",))]


def test_the_worker_lets_its_soft_time_limit_through_the_engines_handlers() -> None:
    # Raised inside a PDF page or a parser, it must end the check as failed (time_limit), never be
    # read as a damaged file (tests/unit/test_extract.py shows the engine's side).
    from celery.exceptions import SoftTimeLimitExceeded

    from originality.errors import interruptions

    assert SoftTimeLimitExceeded in interruptions()
