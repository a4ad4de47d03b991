"""Bearer-token authentication against hashed API tokens."""

import structlog
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from outposts.api.throttling import authentication_failure_record
from outposts.services.tokens import token_user_for_key

LOGGER = structlog.get_logger(__name__)


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` with an API token of an active user.

    No `WWW-Authenticate` challenge is sent, so failures are answered with
    403, as authentik does. Too many failures from one address are answered
    with 429 instead (see `outposts.api.throttling`).
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != self.keyword:
            return None
        key = key.strip()
        user = token_user_for_key(key) if key else None
        if user is None:
            LOGGER.info(
                "authentication_failed",
                path=request.path,
                client_ip=request.META.get("REMOTE_ADDR"),
            )
            authentication_failure_record(request)
            raise AuthenticationFailed("Token invalid/expired")
        return user, None
