"""Which requests pass through the session, CSRF, authentication and message
middleware: all but bearer-token API requests."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from outposts.http.browser import (
    BrowserAuthenticationMiddleware,
    BrowserCsrfViewMiddleware,
    BrowserMessageMiddleware,
    BrowserSessionMiddleware,
)

BROWSER_MIDDLEWARE = [
    BrowserSessionMiddleware,
    BrowserAuthenticationMiddleware,
    BrowserMessageMiddleware,
]


def seen_by_view(path: str, authorization: str | None) -> set[str]:
    """The request attributes the middleware chain left for the view."""
    seen: set[str] = set()

    def view(request):
        seen.update(
            name for name in ("session", "user", "_messages") if hasattr(request, name)
        )
        return HttpResponse()

    handler = view
    for middleware in reversed(BROWSER_MIDDLEWARE):
        handler = middleware(handler)
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    handler(RequestFactory().get(path, **headers))
    return seen


@pytest.mark.parametrize("scheme", ["Bearer key", "bearer key", "BEARER", "Bearer"])
def test_bearer_api_requests_skip_the_browser_middleware(db, scheme):
    assert seen_by_view("/api/v3/outposts/instances/", scheme) == set()


@pytest.mark.parametrize(
    ("path", "authorization"),
    [
        ("/api/v3/outposts/instances/", None),
        ("/api/v3/outposts/instances/", "Basic dXNlcjpwYXNz"),
        ("/api/v3/outposts/instances/", "Bearerkey"),
        ("/admin/", "Bearer key"),
        ("/-/health/live/", "Bearer key"),
    ],
)
def test_other_requests_get_session_user_and_messages(db, path, authorization):
    assert seen_by_view(path, authorization) == {"session", "user", "_messages"}


@pytest.mark.parametrize(
    ("authorization", "read"), [("Bearer key", False), ("Basic dXNlcjpwYXNz", True)]
)
def test_csrf_cookie_is_read_only_for_requests_that_are_not_bearer(
    db, authorization, read
):
    seen = []

    def view(request):
        seen.append("CSRF_COOKIE" in request.META)
        return HttpResponse()

    factory = RequestFactory()
    factory.cookies["csrftoken"] = "a" * 32
    request = factory.get("/api/v3/", HTTP_AUTHORIZATION=authorization)
    BrowserCsrfViewMiddleware(view)(request)

    assert seen == [read]
