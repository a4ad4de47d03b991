"""Websocket routes, served on the same port as the HTTP API."""

from django.urls import path, re_path

from outposts.consumers import OutpostConsumer, RefuseConsumer

websocket_urlpatterns = [
    path("ws/outpost/<uuid:outpost_pk>/", OutpostConsumer.as_asgi()),
    # Without a catch-all, an unknown path is an exception in the router.
    re_path(r"", RefuseConsumer.as_asgi()),
]
