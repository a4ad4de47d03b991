"""The ASGI entry point: HTTP for the API, admin and docs, and the agents'
websocket, on one port."""

import gc
import os

from channels.layers import get_channel_layer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

# Set Django up before importing anything that touches models.
get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from outposts.http.body_limit import BodySizeLimitMiddleware  # noqa: E402
from outposts.http.wsgi_bridge import WSGIBridge  # noqa: E402
from outposts.routing import websocket_urlpatterns  # noqa: E402
from outposts.services.notify import BindEventLoop  # noqa: E402

# Agents authenticate with a bearer header, which a browser cannot set on a
# websocket, so a cross-site page cannot ride on a user's session here; an
# Origin check would only turn away agents, which send no Origin.
#
# HTTP requests run Django's WSGI handler on a fixed pool of threads: no
# thread is started per request as Django's ASGI handler does.
http_application = WSGIBridge(get_wsgi_application(), threads=settings.HTTP_THREADS)
application = BindEventLoop(
    ProtocolTypeRouter(
        {
            "http": BodySizeLimitMiddleware(http_application),
            "websocket": URLRouter(websocket_urlpatterns),
        }
    )
)

# The channel layer is built now rather than by the first write that tells
# agents of a change, which would import it on the event loop.
get_channel_layer()

# Everything loaded so far (Django, the apps, their modules) lives as long as
# the process: frozen, the collector no longer walks it on every full
# collection, which otherwise stalls a request now and then.
gc.collect()
gc.freeze()
