"""Every error as ``{"error": {"code", "message"}}``: HTTP errors, engine errors, crashes."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Flask, Response, jsonify
from flask_smorest import Api
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from originality.errors import OriginalityError

log = logging.getLogger("originality.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
}


# What a 503 asks the caller to wait: about the workers' recovery interval, a judgment.
RETRY_AFTER_SECONDS = 30


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody, required=True)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


class OriginalityApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with the contract's error body."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        message = error.description or error.name
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            message = _flatten(messages)
        response, status = error_response(status, HTTP_CODES.get(status, "error"), str(message))
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="originality"'
        return response, status


LOCATIONS = ("json", "form", "files", "multipart", "query")  # webargs locations, not field names


def _flatten(messages: object) -> str:
    """webargs' nested messages ({"form": {"student_id": ["Missing data"]}}) as one line."""
    parts: list[str] = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path and key not in LOCATIONS else
                     (path or ("" if key in LOCATIONS else str(key))))
        elif isinstance(value, list):
            parts.append(f"{path}: {' '.join(str(v) for v in value)}" if path else " ".join(map(str, value)))
        else:
            parts.append(f"{path}: {value}")

    walk(messages, "")
    return "; ".join(parts) or "invalid request"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OriginalityError)
    def _domain(error: OriginalityError) -> tuple[Response, int]:
        response, status = error_response(error.http_status, error.code, error.message)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="originality"'
        return response, status

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> tuple[Response, int]:
        if isinstance(error, HTTPException):  # routed here only when smorest's handler is not
            return error_response(error.code or 500, HTTP_CODES.get(error.code or 500, "error"),
                                  error.description or error.name)
        if isinstance(error, OperationalError):
            # The database down, or SQLite locked past its timeout: the caller may send the same
            # request again (an upload is idempotent), as the CLI's database_unavailable says.
            log.warning("database unavailable: %s", error)
            response, status = error_response(503, "database_unavailable",
                                              "the database is unavailable; send the request again shortly")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response, status
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an internal error occurred")
