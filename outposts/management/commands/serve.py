import os

import structlog
import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LOGGER = structlog.get_logger(__name__)


def parse_listen(value: str) -> tuple[str, int]:
    """Split `host:port` (IPv6 hosts in brackets) into its parts."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise CommandError(f"OUTPOSTS_LISTEN must be host:port, not {value!r}.")
    return host.strip("[]") or "127.0.0.1", int(port)


def worker_count() -> int:
    configured = os.environ.get("OUTPOSTS_WORKERS", "")
    if configured and not configured.isdigit():
        raise CommandError("OUTPOSTS_WORKERS must be a positive integer.")
    workers = int(configured) if configured else (os.cpu_count() or 1)
    return max(workers, 1)


class Command(BaseCommand):
    help = "Serve the API, admin, docs and agent websocket with uvicorn."

    def handle(self, *args, **options) -> None:
        host, port = parse_listen(os.environ.get("OUTPOSTS_LISTEN", "127.0.0.1:9000"))
        workers = worker_count()
        if settings.REDIS_URL:
            LOGGER.info("channel_layer", backend="redis", workers=workers)
        else:
            if workers > 1:
                LOGGER.warning(
                    "single_worker_without_redis",
                    requested_workers=workers,
                    reason="agent notifications and health need REDIS_URL to span "
                    "several workers",
                )
            workers = 1
            LOGGER.info("channel_layer", backend="in-process", workers=workers)
        LOGGER.info("serving", host=host, port=port, workers=workers)
        uvicorn.run(
            "project.asgi:application",
            host=host,
            port=port,
            workers=workers,
            # With several workers, new connections are shared out fairly
            # between them (see outposts.http.balanced_accept).
            loop="outposts.http.balanced_accept:SharedSocketLoop",
            lifespan="off",
            access_log=False,
            log_config=None,
            server_header=False,
        )
