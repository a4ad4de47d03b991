"""Django's session, CSRF, authentication and message middleware, left out of
API requests that authenticate with a bearer token.

Such a request is authenticated by the API itself, from its `Authorization`
header alone: it never reads a session, a CSRF cookie or a flash message, yet
each of these middlewares costs it work on the way in and out. A request with
any other credentials (the admin, the browsable docs with a session) passes
through them as usual. The classes keep Django's names and bases, so the
admin's checks find them.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware

API_PREFIX = "/api/"


def bearer_api_request(request) -> bool:
    """Whether the API authenticates `request` by its bearer token alone.

    The test is the one the API's token authentication makes: any header of
    the bearer scheme is either a valid token or a refusal, never a fall back
    to the session.
    """
    if not request.path_info.startswith(API_PREFIX):
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header.partition(" ")[0].lower() == "bearer"


class BrowserOnlyMixin:
    """Pass bearer-token API requests straight to the next layer."""

    def __call__(self, request):
        if not self.async_mode and bearer_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class BrowserSessionMiddleware(BrowserOnlyMixin, SessionMiddleware):
    pass


class BrowserCsrfViewMiddleware(BrowserOnlyMixin, CsrfViewMiddleware):
    pass


class BrowserAuthenticationMiddleware(BrowserOnlyMixin, AuthenticationMiddleware):
    pass


class BrowserMessageMiddleware(BrowserOnlyMixin, MessageMiddleware):
    pass
