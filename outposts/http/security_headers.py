"""A content security policy on every response, and secure cookies over TLS.

`X-Content-Type-Options` and `X-Frame-Options` come from Django's own
middleware (`SECURE_CONTENT_TYPE_NOSNIFF`, `X_FRAME_OPTIONS`).
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

# What the admin and the Swagger UI page need, and nothing more: every script
# is a file from this server (the docs page loads its start-up script from
# `?script`), Swagger UI draws its icons from `data:` images, and the inline
# `<style>` block of its page and the style attributes of the admin need
# 'unsafe-inline' for styles only. API responses are JSON, which the policy
# does not affect.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def secure_headers_apply(request, response) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # Cookies set on a request that came over TLS (directly, or through a
    # proxy uvicorn trusts with `X-Forwarded-Proto`) are never sent back in
    # clear; the same server still works over plain HTTP on localhost.
    if response.cookies and request.is_secure():
        for morsel in response.cookies.values():
            morsel["secure"] = True


class SecurityHeadersMiddleware:
    """Applies `secure_headers_apply` in both sync and async mode."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        secure_headers_apply(request, response)
        return response

    async def _acall(self, request):
        response = await self.get_response(request)
        secure_headers_apply(request, response)
        return response
