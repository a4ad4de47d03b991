"""Signal handlers of the outposts app."""

from django.db import DEFAULT_DB_ALIAS


def ensure_embedded_after_migrate(using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Create the embedded outpost after `migrate`, if it is missing."""
    from outposts.services.outposts import embedded_outpost_ensure

    if using == DEFAULT_DB_ALIAS:
        embedded_outpost_ensure()


def connect() -> None:
    """Connect the handlers that do not depend on a sender's app being ready."""
    from outposts import triggers

    triggers.connect()
