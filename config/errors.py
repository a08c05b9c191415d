"""One JSON error shape for everything under /api/: {"detail", "code", "errors"?}.

`errors` maps a field name to its messages and appears only when fields failed.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

NON_FIELD = "non_field_errors"


def error_body(
    detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def error_response(
    status_code: int, detail: str, code: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    """A JSON error for plain (non-DRF) Django views, in the API's shape."""
    return JsonResponse(error_body(detail, code, errors), status=status_code)


def _flatten_messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            f"{key}: {message}"
            for key, item in value.items()
            for message in _flatten_messages(item)
        ]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _flatten_messages(item)]
    return [str(value)]


def _validation_body(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        errors = {field: _flatten_messages(messages) for field, messages in detail.items()}
    else:
        errors = {NON_FIELD: _flatten_messages(detail)}
    fields = [field for field in errors if field != NON_FIELD]
    summary = f"Invalid input: {', '.join(fields)}." if fields else errors[NON_FIELD][0]
    return error_body(summary, "invalid", errors)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler producing the API error shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(detail, dict) and "detail" in detail:
            # simplejwt nests its own {"detail", "code", "messages"}.
            response.data = error_body(str(detail["detail"]), str(detail.get("code", "error")))
        elif isinstance(detail, dict | list):
            response.data = _validation_body(detail)
            response.data["code"] = code if isinstance(code, str) else "error"
        else:
            response.data = error_body(str(detail), code if isinstance(code, str) else "error")
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_response(status.HTTP_404_NOT_FOUND, "Not found.", "not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_response(
            status.HTTP_500_INTERNAL_SERVER_ERROR, "Server error.", "server_error"
        )
    from django.views.defaults import server_error

    return server_error(request)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_response(status.HTTP_403_FORBIDDEN, "Forbidden.", "permission_denied")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_response(status.HTTP_400_BAD_REQUEST, "Bad request.", "bad_request")
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return error_response(
            status.HTTP_403_FORBIDDEN, f"CSRF check failed: {reason}", "csrf_failed"
        )
    from django.views.csrf import csrf_failure as default_csrf_failure

    return default_csrf_failure(request, reason)
