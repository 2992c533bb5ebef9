"""Reads of lists that name students (the queues, the to-review lists, the cohort page, the
events): each answered one is a row of the access log, as each read of a report, a record or a
case is (``originality/store/access.py``; docs/privacy.md, "Access log"). The project is kept
when the read is of one project's students."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from flask import current_app, g, request

from originality.store.access import log_access

F = TypeVar("F", bound=Callable[..., Any])


def logged(action: str) -> Callable[[F], F]:
    """Log each answered call of the view as ``action``; the view runs after its role check
    (``g.principal`` set), so put this decorator nearest the function."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            answer = view(*args, **kwargs)
            status = answer[1] if isinstance(answer, tuple) and isinstance(answer[1], int) else 200
            project = kwargs.get("project_id") or request.args.get("project") or None
            log_access(current_app.extensions["originality"].db, g.principal, "", action,
                       status, project_id=project)
            return answer

        return wrapper  # type: ignore[return-value]

    return decorate
