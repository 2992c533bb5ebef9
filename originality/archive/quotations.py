"""A project's choice about quotations that cite their source (mixed into ``Archive``).

By default such a quotation is shown and left out of the share (``quotes.py``); a project may
count it like any text instead. The choice applies to the checks from then on: an entry keeps
the tokens it was entered with until ``originality archive retokenize`` makes them again with
the project's choice (``retokenize.py``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..errors import UsageError
from ..options import CheckOptions
from ..store.db import Database
from ..store.models import AuditLog, QuotationSetting, utcnow


class Quotations:
    """Reading and setting a project's choice (mixed into ``Archive``)."""

    db: Database
    options: CheckOptions

    def options_for(self, project_id: str) -> CheckOptions:
        """The archive's check options with the project's choice about quotations."""
        leave_out = self.quotations(project_id)["leave_out"]
        if leave_out == self.options.match.leave_out_quotations:
            return self.options
        return replace(self.options, match=replace(self.options.match, leave_out_quotations=leave_out))

    def quotations(self, project_id: str) -> dict[str, Any]:
        """The choice in effect for a project, and whether it is the project's own."""
        from ..cases import iso  # times as every endpoint gives them (cases imports the archive)

        with self.db.sessions() as session:
            own = session.get(QuotationSetting, project_id)
        default = self.options.match.leave_out_quotations
        return {"project_id": project_id, "leave_out": own.leave_out if own is not None else default,
                "source": "project" if own is not None else "default", "default": default,
                "set_by": own.set_by if own is not None else None,
                "updated_at": iso(own.updated_at) if own is not None else None}

    def set_quotations(self, actor: str, role: str, project_id: str, leave_out: bool) -> dict[str, Any]:
        """Set the project's own choice, for the checks from now on; audited."""
        if not project_id or len(project_id) > 200:
            raise UsageError("a project id is 1 to 200 characters")
        now = utcnow()
        with self.db.session() as session:
            own = session.get(QuotationSetting, project_id)
            before = own.leave_out if own is not None else None
            if own is None:
                session.add(QuotationSetting(project_id=project_id, leave_out=leave_out, set_by=actor,
                                             updated_at=now))
            else:
                own.leave_out, own.set_by, own.updated_at = leave_out, actor, now
            session.add(AuditLog(at=now, actor=actor, role=role, action="project.quotations",
                                 subject=f"project:{project_id}", why="",
                                 detail=json.dumps({"leave_out": leave_out, "before": before})))
        return self.quotations(project_id)
