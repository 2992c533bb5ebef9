"""Pages for people, rendered on the server: sign-in, reports side by side, the cohort
overview and the staff pages.

One blueprint, split by page family: :mod:`.session` (who is looking, sign-in, CSRF),
:mod:`.report`, :mod:`.cohort`, :mod:`.staff`, :mod:`.triage` and :mod:`.webhooks`. Pages take the same bearer token as the API,
or the session cookie the sign-in form sets; they apply the API's scope rules. A page never
shows a report to someone who may not read it: without a principal it answers 401 with the
sign-in form.
"""

from __future__ import annotations

from flask import Flask

from .session import blp

# The page families register their routes on ``blp`` when imported.
from . import home, report, cohort, staff, triage, webhooks  # noqa: E402,F401


def register_pages(app: Flask) -> None:
    from .session import configure

    configure(app)
    app.register_blueprint(blp)
