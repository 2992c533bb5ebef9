"""Bearer tokens and roles: 401 without a valid token (its code says why: ``unauthorized``,
``token_revoked``, ``token_expired``), 403 for a role that may not."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden

from originality.store.access import Principal, resolve

F = TypeVar("F", bound=Callable[..., Any])


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def require(*roles: str) -> Callable[[F], F]:
    """Let the view run only for a valid token of one of ``roles``; ``g.principal`` is set."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = resolve(current_app.extensions["originality"].db, _bearer())
            if principal.role not in roles:
                raise Forbidden(f"the {principal.role} role may not do this")
            g.principal = principal
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def principal() -> Principal:
    return g.principal  # type: ignore[no-any-return]
