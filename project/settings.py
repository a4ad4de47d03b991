"""Settings for the outposts server, read once from the environment.

Every setting an operator may change is listed in `.env.example`; the
defaults give a working local server on SQLite with no configuration at all.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import structlog

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("OUTPOSTS_DATA_DIR", BASE_DIR / "data"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


def load_secret_key() -> str:
    """Return the configured key, or one generated once and kept in DATA_DIR."""
    configured = os.environ.get("OUTPOSTS_SECRET_KEY")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    try:
        # O_EXCL makes the first of several starting workers the only writer.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = env_bool("OUTPOSTS_DEBUG")
SECRET_KEY = load_secret_key()
ALLOWED_HOSTS = env_list("OUTPOSTS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# The authentik release whose API this server implements; agents compare
# their own version with it in the health report.
AUTHENTIK_VERSION = os.environ.get("OUTPOSTS_AUTHENTIK_VERSION", "2026.8.5")
BUILD_HASH = os.environ.get("OUTPOSTS_BUILD_HASH", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "outposts",
]

MIDDLEWARE = [
    "outposts.http.request_log.RequestLogMiddleware",
    "outposts.http.security_headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # These four are Django's, left out of bearer-token API requests, which
    # need none of them (see outposts.http.browser).
    "outposts.http.browser.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "outposts.http.browser.BrowserCsrfViewMiddleware",
    "outposts.http.browser.BrowserAuthenticationMiddleware",
    "outposts.http.browser.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'outposts.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a thread of its own, so connections
    # kept per thread would pile up; a pool per process keeps them instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # Server-side binding lets psycopg prepare statements a connection runs
    # repeatedly, so PostgreSQL plans the API's joins once per connection.
    options["server_side_binding"] = True
    options["prepare_threshold"] = 2
    # PostgreSQL's default cost of a random page read is that of a spinning
    # disk; with the cost of solid-state storage, a lookup by key uses the
    # index even in a small table, where a scan would otherwise read every
    # dead row version left since the last vacuum (each update of an outpost
    # leaves one).
    options.setdefault("options", "-c random_page_cost=1.1")
    options["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("OUTPOSTS_DB_POOL_SIZE", "10")),
        # A request waits this long for a connection before it is answered
        # 503, so an outage is reported quickly.
        "timeout": 3,
    }

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Threads per server process that run HTTP requests. Requests hold the GIL
# for most of their time, so two per process keep a core busy while the other
# waits on the database; more only make requests wait on each other for the
# GIL in no fair order, which shows as a long tail of slow responses.
HTTP_THREADS = int(os.environ.get("OUTPOSTS_HTTP_THREADS", "2"))

# Request bodies above this size are refused with 413 before they are read.
MAX_REQUEST_BODY = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY

SESSION_COOKIE_HTTPONLY = True
# Cookies are marked Secure per request, when it came over TLS (see
# outposts.http.security_headers); behind a TLS proxy, uvicorn takes the scheme
# from X-Forwarded-Proto of the addresses in FORWARDED_ALLOW_IPS (127.0.0.1).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "outposts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["outposts.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["outposts.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "outposts.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "outposts.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "outposts.api.errors.exception_handler",
    "PAGE_SIZE": 20,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "authentik",
    "DESCRIPTION": "Outposts, their providers and service connections.",
    "VERSION": AUTHENTIK_VERSION,
    "SCHEMA_PATH_PREFIX": "/api/v3",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVERS": [{"url": "/api/v3"}],
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OutpostTypeEnum": "outposts.models.OutpostType",
        "UsedByActionEnum": "outposts.api.serializers.common.USED_BY_ACTIONS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "outposts.api.schema.add_shared_components",
    ],
    "AUTHENTICATION_WHITELIST": [
        "outposts.api.authentication.BearerTokenAuthentication"
    ],
    # No validator badge: the docs page makes no request off this server.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
}

# Failed authentications allowed per client address in each window (seconds)
# before that address is answered 429.
AUTH_FAILURE_LIMIT = int(os.environ.get("OUTPOSTS_AUTH_FAILURE_LIMIT", "20"))
AUTH_FAILURE_WINDOW = int(os.environ.get("OUTPOSTS_AUTH_FAILURE_WINDOW", "60"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Agents are only ever told "your configuration changed", and an
            # agent that was not connected reads its configuration when it
            # connects: Redis publish/subscribe delivers that in one command
            # per message, where the queue-based layer needs two to four.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

BOOTSTRAP_PASSWORD = os.environ.get("OUTPOSTS_BOOTSTRAP_PASSWORD", "")
BOOTSTRAP_TOKEN = os.environ.get("OUTPOSTS_BOOTSTRAP_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": (
                structlog.dev.ConsoleRenderer(colors=False)
                if DEBUG
                else structlog.processors.JSONRenderer()
            ),
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso"),
                # Tracebacks of other libraries' errors as text, not reprs.
                structlog.processors.format_exc_info,
            ],
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every request is logged once by outposts.http.request_log; Django's
        # own line per 4xx would repeat it. Server errors keep their traceback.
        "django.request": {"level": "ERROR"},
    },
}

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
