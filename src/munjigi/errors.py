"""``AppError`` and the one function that turns every failure into the SPEC §4 error body."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from typing import cast

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from munjigi import jsonbody
from munjigi import wording
from munjigi.extensions import db
from munjigi.responses import failure
from munjigi.security import policy

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure the client caused or may see; subclasses fix ``status``, ``code``, ``message``."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    code: str = "bad_request"
    message: str = "잘못된 요청입니다."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers) if headers else {}


class NotFoundError(AppError):
    """The resource does not exist (or is not visible to the caller)."""

    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    message = "찾을 수 없습니다."


class ForbiddenError(AppError):
    """The caller is authenticated but not allowed to do this."""

    status = HTTPStatus.FORBIDDEN
    code = "forbidden"
    message = "권한이 없음"


class ValidationError(AppError):
    """The request body or query is invalid; ``fields`` names what is wrong."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "validation_error"
    message = "입력값이 올바르지 않음"


def wants_json_response() -> bool:
    """JSON or HTML, as the route declares (security/policy.py), never by path or name.

    An API route answers JSON whatever the client accepts (SPEC §4: never HTML); a page
    answers HTML unless the client prefers JSON; a download (and any route another app
    registered without a declaration) answers JSON unless the client prefers HTML, as a
    browser's navigation does. A URL no route matched answers JSON under the first path
    segment of an API route (``/members/…``), else as the client prefers.
    """
    if not has_request_context():
        return True
    accept = request.accept_mimetypes
    found = policy.lookup(current_app, request.endpoint)
    if found is not None and found.declared:
        if found.kind == policy.API:
            return True
        if found.kind == policy.PAGE:
            return accept["application/json"] > accept["text/html"]
    elif found is None and policy.path_root(request.path) in current_app.extensions.get(
        policy.ROOTS_KEY, ()
    ):
        return True
    if request.is_json:
        return True
    return accept["text/html"] <= accept["application/json"]


def error_response(
    status: int, code: str, message: str, fields: Mapping[str, Any] | None = None
) -> Response:
    """The error response every failure path uses: JSON, or ``errors/<status>.html`` for pages."""
    if fields:
        # SPEC §4: `message` stays the fixed Korean text; field messages follow the language.
        fields = wording.localize_fields(fields)
    if not wants_json_response():
        return _page_error_response(status, code, fields)
    response = jsonify(failure(code, message, fields))
    response.status_code = status
    return response


def _page_error_response(status: int, code: str, fields: Mapping[str, Any] | None) -> Response:
    """A page for a browser: a signed-out visitor of a page goes to the login form instead."""
    if status == HTTPStatus.UNAUTHORIZED and request.method in ("GET", "HEAD"):
        target = request.full_path if request.query_string else request.path
        return cast(Response, redirect(url_for("auth.login_page", next=target)))
    if status == HTTPStatus.NOT_FOUND:
        from munjigi import pages  # pages imports errors' neighbours: import at use

        pages.sign_in_quietly()  # a member who mistyped a URL still sees their header
    try:
        html = render_template(
            [f"errors/{int(status)}.html", "errors/default.html"],
            status=HTTPStatus(status),
            code=code,
            fields=fields,
        )
    except Exception:  # a broken template must not hide the original error
        log.exception("error page for %s failed to render", status)
        rollback_quietly()
        return Response(
            f"{int(status)} {HTTPStatus(status).phrase}\n", status, mimetype="text/plain"
        )
    return Response(html, status, mimetype="text/html")


def _flatten_validation_detail(detail: Any) -> dict[str, Any]:
    """APIFlask nests messages by location (json, query); clients want the fields."""
    if not isinstance(detail, Mapping):
        return {}
    fields: dict[str, Any] = {}
    for location, messages in detail.items():
        if isinstance(messages, Mapping):
            fields.update({str(k): v for k, v in messages.items()})
        else:
            fields[str(location)] = messages
    return fields


def decode_json_body() -> None:
    """Decode a JSON body before any view: undecodable JSON becomes 422 (via the 400 below).

    webargs lets one ``ValueError`` escape as a 500: a number longer than Python's
    4,300-digit conversion limit. Flask's ``get_json`` turns every decoding error into 400;
    too deep nesting and lone surrogates are refused here too (``jsonbody``).
    """
    if request.is_json and request.get_data(cache=True):
        try:
            jsonbody.check(request.get_json())
        except RecursionError:
            raise ValidationError(fields={"body": ["JSON nested too deep"]}) from None
        except jsonbody.BodyProblem as problem:
            raise ValidationError(fields=problem.fields()) from None


def register_error_handlers(app: APIFlask) -> None:
    """Map AppError, APIFlask's HTTPError, werkzeug errors and crashes to one body shape."""
    app.before_request(decode_json_body)

    @app.errorhandler(AppError)
    def handle_app_error(error: AppError) -> Response:
        response = error_response(error.status, error.code, error.message, error.fields)
        response.headers.update(error.headers)
        return response

    @app.error_processor
    def handle_http_error(error: HTTPError) -> Response:
        # APIFlask raises HTTPError for schema validation (422) and bad JSON (400).
        if error.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY):
            fields = _flatten_validation_detail(error.detail)
            response = error_response(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                ValidationError.code,
                ValidationError.message,
                fields or {"body": [str(error.message)]},
            )
        else:
            status = HTTPStatus(error.status_code)
            response = error_response(status, _code_for(status), str(error.message))
        response.headers.update(dict(error.headers or {}))
        return response

    @app.errorhandler(HTTPException)
    def handle_werkzeug_error(error: HTTPException) -> Response:
        status = HTTPStatus(error.code or 500)
        original = getattr(error, "original_exception", None)
        if original is not None and database_unavailable(original):
            # Raised by an after_request hook: Flask wraps it in InternalServerError.
            rollback_quietly()
            return database_unavailable_response(original)
        if status == HTTPStatus.BAD_REQUEST:
            # Malformed bodies (bad JSON, bad form encoding) are invalid input: SPEC §4 → 422.
            return error_response(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                ValidationError.code,
                ValidationError.message,
                {"body": [error.description or status.phrase]},
            )
        response = error_response(status, _code_for(status), status.phrase)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_crash(error: Exception) -> Response:
        rollback_quietly()
        if database_unavailable(error):
            return database_unavailable_response(error)
        log.exception("unhandled error (request id %s)", g.get("request_id", "-"))
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "서버 오류가 발생했습니다."
        )


# SPEC §8: the database refused, dropped or timed out a connection. Transient by nature: the
# client may retry after this many seconds (recovery takes a pool pre-ping, under a second).
DATABASE_RETRY_AFTER = 2
_DATABASE_DOWN = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # the pool had no connection to give within pool_timeout
)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means "the database cannot be reached now" rather than a bug."""
    return isinstance(error, _DATABASE_DOWN) or bool(getattr(error, "connection_invalidated", 0))


def database_unavailable_response(error: BaseException) -> Response:
    """503 ``database_unavailable`` with ``Retry-After`` (JSON, or the 503 page for pages)."""
    log.warning(
        "database unavailable (request id %s): %s",
        g.get("request_id", "-") if has_request_context() else "-",
        type(error).__name__,
        extra={"error_class": type(error).__name__},
    )
    response = error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "database_unavailable",
        "데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def rollback_quietly() -> None:
    """Roll the request's transaction back; on a dead connection that fails too, harmlessly.

    The pool discards the connection either way; raising here would turn a clean error
    answer into the WSGI server's own HTML 500 page.
    """
    try:
        db.session.rollback()
    except Exception as error:  # noqa: BLE001 - the connection is gone; nothing to undo
        log.debug("rollback failed: %s", type(error).__name__)
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001, S110 - same: nothing left to release
            pass


# SPEC §4: `code` is a stable contract, but HTTPStatus phrases are not (Python 3.13 renamed
# 413 "Request Entity Too Large" to "Content Too Large"), so the common ones are pinned.
_STABLE_CODES = {
    HTTPStatus.UNAUTHORIZED: "unauthorized",
    HTTPStatus.FORBIDDEN: "forbidden",
    HTTPStatus.NOT_FOUND: "not_found",
    HTTPStatus.METHOD_NOT_ALLOWED: "method_not_allowed",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "request_entity_too_large",
    HTTPStatus.REQUEST_URI_TOO_LONG: "request_uri_too_long",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE: "requested_range_not_satisfiable",
    HTTPStatus.TOO_MANY_REQUESTS: "too_many_requests",
}


def _code_for(status: HTTPStatus) -> str:
    """The machine code of an HTTP error: pinned for common statuses, else from the phrase."""
    if status in _STABLE_CODES:
        return _STABLE_CODES[status]
    return status.phrase.lower().replace(" ", "_").replace("-", "_")
