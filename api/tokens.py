"""``/api/v1/tokens``: staff make, list and revoke the service's bearer tokens (the same as
``originality token create|list|revoke``). A token is shown once, when made; only its digest
is stored."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from originality.cases import aware
from originality.store.access import (MAX_EXPIRY_DAYS, ROLES, get_token, issue_token, list_tokens,
                                      revoke_token)
from originality.store.db import Database

from .auth import principal, require
from .submissions import SECURITY, Blueprint

blp = Blueprint("tokens", __name__, description="Bearer tokens (staff only)")


class TokenIn(ma.Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    # Not blank: the engine refuses a name of spaces, and a field the body got wrong is a 422.
    name = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=200), ma.validate.Regexp(
        r"^.*\S", error="a name that is not blank")], metadata={
        "description": "who holds it; for an assessor, their assessor_id"})
    expires_in_days = ma.fields.Integer(load_default=None, allow_none=True,
                                        validate=ma.validate.Range(min=1, max=MAX_EXPIRY_DAYS),
                                        metadata={"description": "none: until revoked"})


class TokenOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["active", "expired", "revoked"]})
    created_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)


class TokenMade(TokenOut):
    token = ma.fields.String(required=True, metadata={"description": "shown this once"})


class TokenList(ma.Schema):
    tokens = ma.fields.List(ma.fields.Nested(TokenOut), required=True)


class RevokeIn(ma.Schema):
    why = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


def _db() -> Database:
    return current_app.extensions["originality"].db  # type: ignore[no-any-return]


def _out(row: dict[str, Any]) -> dict[str, Any]:
    # Stored as naive UTC; sent with the offset, as every other time.
    return {**row, **{key: aware(row[key]) for key in ("created_at", "expires_at", "revoked_at")
                      if row[key] is not None}}


@blp.route("")
class Tokens(MethodView):
    @require("staff")
    @blp.response(200, TokenList)
    @blp.doc(security=SECURITY)
    def get(self) -> Any:
        """Every token ever made, oldest first, with its status; never the tokens themselves."""
        return {"tokens": [_out(row) for row in list_tokens(_db())]}

    @require("staff")
    @blp.arguments(TokenIn)
    @blp.response(201, TokenMade)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, Any]) -> Any:
        """Make a token, optionally expiring after ``expires_in_days``; audited. The answer
        holds the token, which cannot be read again."""
        who = principal()
        token_id, token = issue_token(_db(), body["role"], body["name"], body["expires_in_days"],
                                      actor=who.name, actor_role=who.role)
        return {**_out(get_token(_db(), token_id)), "token": token}


@blp.route("/<int:token_id>/revoke")
class Revoke(MethodView):
    @require("staff")
    @blp.arguments(RevokeIn)
    @blp.response(200, TokenOut)
    @blp.alt_response(404, description="no such token")
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, Any], token_id: int) -> Any:
        """Revoke a token now: its requests get 401 ``token_revoked`` and its page sessions
        end. Revoking it again changes nothing (the first time stays); audited."""
        who = principal()
        return _out(revoke_token(_db(), token_id, actor=who.name, actor_role=who.role,
                                 why=body["why"]))
