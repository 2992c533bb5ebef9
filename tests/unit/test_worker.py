"""The check task's handling of the events a check stores, with a fake archive (the real worker
runs in tests/integration/test_service.py)."""

from __future__ import annotations

from typing import Any

import pytest

import worker.app
from originality.store.models import JobStatus

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*")]

EVENT = {"id": "e1", "type": "submission.flagged", "data": {"item_id": 1, "submission_id": "s1"}}


class FakeArchive:
    """Stores the report (and its flagged events) and then fails, or succeeds."""

    def __init__(self, fail_after_report: bool) -> None:
        self.fail_after_report = fail_after_report
        self.released: list[str] = []

    def claim(self, submission_id: str, lease_seconds: float) -> bool:
        return True

    def process(self, submission_id: str, events: list[dict[str, Any]]) -> str:
        events.append(EVENT)  # committed with the report
        if self.fail_after_report:
            raise RuntimeError("the database went away while finishing")
        return JobStatus.DONE

    def release(self, submission_id: str) -> None:
        self.released.append(submission_id)

    def get(self, submission_id: str) -> None:
        return None  # notify_checked then sends nothing


@pytest.mark.parametrize("fail_after_report", [False, True])
def test_flagged_events_stored_with_the_report_are_sent_even_if_the_check_then_fails(
        monkeypatch: pytest.MonkeyPatch, fail_after_report: bool) -> None:
    fake = FakeArchive(fail_after_report)
    sent: list[tuple[str, dict[str, Any], str | None]] = []
    monkeypatch.setattr(worker.app, "archive", lambda: fake)
    monkeypatch.setattr(worker.app, "notify",
                        lambda kind, data, event_id=None, **_: sent.append((kind, data, event_id)))
    if fail_after_report:
        # Called directly (not by a worker), Celery's retry raises the original error.
        with pytest.raises(RuntimeError):
            worker.app.check_submission.run("s1")
        assert fake.released == ["s1"]
    else:
        assert worker.app.check_submission.run("s1") == JobStatus.DONE
    assert sent == [("submission.flagged", EVENT["data"], "e1")]
