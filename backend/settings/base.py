"""Settings for every process. The environment is read here, once, and nowhere else."""

import contextlib
import os
import secrets
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
import redis
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def _redis_url(name: str, url: str) -> str:
    """Check a Redis URL once, here, so a typo stops start-up with its variable's name instead of failing later."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    problem = ""
    if parts.scheme not in ("redis", "rediss"):
        problem = "the scheme must be redis:// or rediss://"
    elif not parts.hostname:
        problem = "it names no host"
    elif path and not path.isdigit():
        problem = f"the path must be a database number, not {path!r}"
    else:
        try:
            parts.port  # noqa: B018  (urlsplit checks the port only when it is read)
        except ValueError:
            problem = "the port is not a number"
    if problem:
        shown = url.replace(f":{parts.password}@", ":***@") if parts.password else url
        raise ImproperlyConfigured(
            f"{name}={shown!r} is not a Redis URL: {problem}. "
            "Expected redis://[:password@]host[:port][/database], for example redis://127.0.0.1:6379/0."
        )
    return url


def _redis_url_with_db(url: str, offset: int) -> str:
    """`redis://host:port/n` -> the same server, database n + offset."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path else 0
    return urlunsplit((parts.scheme, parts.netloc, f"/{db + offset}", parts.query, parts.fragment))


def _local_secret_key(path: Path) -> str:
    """Generate the development key once; every process started later, or at the same instant, reads the same one.

    The key is written to a private temporary file first and then hard-linked into place: linking fails if the
    file exists, so of two processes starting together exactly one wins, and nobody ever reads a half-written key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process linked its key first: use that one
        except OSError:
            # A file system without hard links: create exclusively, then write (readers wait for the key below).
            with contextlib.suppress(FileExistsError), open(path, "x") as handle:
                handle.write(Path(temporary).read_text())
        finally:
            os.unlink(temporary)
    for _ in range(20):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.05)
    raise ImproperlyConfigured(f"{path} is empty; delete it and a new development key is generated.")


DEBUG = env.bool("DEBUG", default=False)
HTTPS = env.bool("HTTPS", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (a long random string), "
            "or set DEBUG=1 for local development, where a key is generated into .secret_key."
        )
    SECRET_KEY = _local_secret_key(Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key"))))

TEST_LOGIN_ENABLED = env.bool("TEST_LOGIN_ENABLED", default=False)
if TEST_LOGIN_ENABLED and not DEBUG and not env.bool("ALLOW_TEST_LOGIN_IN_PRODUCTION", default=False):
    raise ImproperlyConfigured(
        "TEST_LOGIN_ENABLED=1 lets anyone sign in as any user, and DEBUG=0 says this is production. "
        "Unset TEST_LOGIN_ENABLED, or set ALLOW_TEST_LOGIN_IN_PRODUCTION=1 if you really mean it."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = [f"{scheme}://{host}" for host in ALLOWED_HOSTS for scheme in ("http", "https") if host != "*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "social_django",
    "channels",
    "cacheops",
    "backend.core",
    "backend.accounts",
    "backend.organizations",
    "backend.tournaments",
    "backend.steam",
    "backend.matches",
    "backend.live",
    "backend.drafts",
    "backend.pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "asgi.application.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "social_django.context_processors.backends",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    name = str(DATABASES["default"]["NAME"])
    if name and name != ":memory:" and not os.path.isabs(name):
        DATABASES["default"]["NAME"] = str(BASE_DIR / name)
    # IMMEDIATE transactions take the write lock up front, so two writers wait for each other
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # libpq waits forever for an unreachable server by default; /healthz and requests must fail instead.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis: three databases, so flushing the cache can never drop queued tasks --------------------------------------
REDIS_URL = _redis_url("REDIS_URL", env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))
CACHE_REDIS_URL = _redis_url("CACHE_REDIS_URL", env.str("CACHE_REDIS_URL", default=_redis_url_with_db(REDIS_URL, 0)))
CHANNELS_REDIS_URL = _redis_url(
    "CHANNELS_REDIS_URL", env.str("CHANNELS_REDIS_URL", default=_redis_url_with_db(REDIS_URL, 1))
)
CELERY_BROKER_URL = _redis_url(
    "CELERY_BROKER_URL", env.str("CELERY_BROKER_URL", default=_redis_url_with_db(REDIS_URL, 2))
)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "dtx",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# django-cacheops: see backend/core/cache.py for what is cached, how it is invalidated and how outages degrade.
DISABLE_CACHE = env.bool("DISABLE_CACHE", default=False)
CACHE_TIMEOUT_SECONDS = env.int("CACHE_TIMEOUT_SECONDS", default=60 * 60)
# Each process keeps up to this many MB of rendered answers in memory, checked against Redis on every read; 0: off.
CACHE_LOCAL_MB = env.int("CACHE_LOCAL_MB", default=32)
CACHEOPS_ENABLED = not DISABLE_CACHE
CACHEOPS_REDIS = {
    **redis.connection.parse_url(CACHE_REDIS_URL),
    # Short: a hung Redis must cost a request a fraction of a second, then the breaker skips it.
    "socket_connect_timeout": 0.25,
    "socket_timeout": 1.0,
    # One immediate retry on a dropped connection (a restarted Redis), none on a timeout.
    "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
}
CACHEOPS_CLIENT_CLASS = "backend.core.cache.CacheRedis"
CACHEOPS_PREFIX = "backend.core.cache.cacheops_prefix"
CACHEOPS_DEGRADE_ON_FAILURE = True
# Every model of the project's apps has a profile (so cacheops invalidates it on every write); nothing is cached
# implicitly (`ops` empty): selectors cache explicitly with backend.core.cache.cached_read.
CACHEOPS_DEFAULTS = {"timeout": CACHE_TIMEOUT_SECONDS}
# drafts has none: no read of a draft is cached (watchers get it over WebSockets), and a profile makes cacheops read
# every row before each save (a query per pick); the draft's rows reach cached reads through the dependency table.
CACHEOPS: dict[str, dict[str, object]] = {
    f"{app}.*": {"ops": (), "timeout": CACHE_TIMEOUT_SECONDS}
    for app in ("accounts", "organizations", "tournaments", "steam", "matches", "live")
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [CHANNELS_REDIS_URL]},
    }
}
# A draft broadcast that takes longer is given up (and logged): watchers re-sync by snapshot, the POST answers.
DRAFT_BROADCAST_TIMEOUT_SECONDS = env.float("DRAFT_BROADCAST_TIMEOUT_SECONDS", default=1.0)

# Threads per web worker process that run Django's HTTP requests (asgi/application.py).
WEB_THREADS = env.int("WEB_THREADS", default=4)

# --- Celery ---------------------------------------------------------------------------------------------------------
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # keep reconnecting through a long Redis outage instead of exiting
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    "health_check_interval": 10,
    "retry_on_timeout": True,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".run" / "celerybeat-schedule")
)
# Worker and beat write a heartbeat every HEARTBEAT_SECONDS; /healthz calls one down after HEARTBEAT_STALE_SECONDS.
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=10)
HEARTBEAT_STALE_SECONDS = env.int("HEARTBEAT_STALE_SECONDS", default=30)

LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=10)
GUILD_SYNC_MINUTES = env.int("GUILD_SYNC_MINUTES", default=10)
# The hero list is refreshed this often, and at most once an hour sooner when a game shows a hero id not in it.
HERO_REFRESH_HOURS = env.int("HERO_REFRESH_HOURS", default=24)

# --- Steam and Discord ----------------------------------------------------------------------------------------------
STEAM_API_KEY = env.str("STEAM_API_KEY", default="")
STEAM_API_BASE_URL = env.str("STEAM_API_BASE_URL", default="https://api.steampowered.com").rstrip("/")
STEAM_CALLS_PER_SECOND = env.float("STEAM_CALLS_PER_SECOND", default=1.0)
STEAM_BACKOFF_INITIAL_SECONDS = 1.0  # retries wait ~1, 2, 4 ... s (plus jitter), never less than Retry-After
STEAM_BACKOFF_MAX_SECONDS = 30.0
STEAM_CONNECT_TIMEOUT_SECONDS = 3.05
STEAM_READ_TIMEOUT_SECONDS = 10.0

DISCORD_API_BASE_URL = env.str("DISCORD_API_BASE_URL", default="https://discord.com").rstrip("/")
DISCORD_GUILD_ID = env.str("DISCORD_GUILD_ID", default="")
DISCORD_WEBHOOK_URL = env.str("DISCORD_WEBHOOK_URL", default="")
# A failed webhook post is retried after DISCORD_WEBHOOK_RETRY_SECONDS, doubling each time, at most N times.
DISCORD_WEBHOOK_RETRY_SECONDS = env.float("DISCORD_WEBHOOK_RETRY_SECONDS", default=5.0)
DISCORD_WEBHOOK_MAX_RETRIES = env.int("DISCORD_WEBHOOK_MAX_RETRIES", default=5)
DISCORD_WEBHOOK_TIMEOUT_SECONDS = env.float("DISCORD_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# The site's public address (https://dtx.example.org), for links in Discord posts; relative links when empty.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
# A notification that takes longer to reach the channel layer is given up (and logged); the caller never waits more.
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=1.0)

AUTHENTICATION_BACKENDS = [
    "backend.accounts.discord.DiscordOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
SOCIAL_AUTH_DISCORD_KEY = env.str("SOCIAL_AUTH_DISCORD_KEY", default="")
SOCIAL_AUTH_DISCORD_SECRET = env.str("SOCIAL_AUTH_DISCORD_SECRET", default="")
# The scope (identify, email, and guilds.members.read with a guild) is decided per request by
# backend.accounts.discord.DiscordOAuth2.get_scope. Sign-in failures are answered by backend.accounts.views.
SOCIAL_AUTH_REQUESTS_TIMEOUT = 5
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_REDIRECT_IS_HTTPS = HTTPS
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/auth/error/"
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS = ALLOWED_HOSTS
# Users are matched by Discord id only (never by username or e-mail), and no OAuth token is stored
# (social-core's social_user/associate_user/load_extra_data steps are replaced by sign_in_user).
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "backend.accounts.pipeline.fetch_guild_member",
    "backend.accounts.pipeline.sign_in_user",
)
LOGIN_URL = "/auth/login/discord/"

# --- REST framework -------------------------------------------------------------------------------------------------
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="600/min")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="3000/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: DRF answers anonymous requests with the first class's challenge, so 401, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "backend.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "backend.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "backend.core.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": (
        (["backend.core.throttling.AnonRateThrottle"] if API_THROTTLE_ANON else [])
        + (["backend.core.throttling.UserRateThrottle"] if API_THROTTLE_USER else [])
    ),
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_ANON or None, "user": API_THROTTLE_USER or None},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DTX API",
    "DESCRIPTION": "Tournaments, teams, games, the live player draft and guild Steam data of DTX.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security -------------------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = (
    "Lax"  # Strict would drop the session on Discord's redirect back, and the OAuth state with it.
)
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "backend.core.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): scripts and styles from this site only, never inline; images also from the
# Discord and Steam CDNs (avatars); connections to this site, its WebSockets included. The Redoc page alone relaxes
# style-src (see backend.pages.views.redoc).
_WEBSOCKET_SOURCES = [
    f"{scheme}://{'*' + host if host.startswith('.') else host}:*"
    for host in ALLOWED_HOSTS
    if host != "*"
    for scheme in (("wss",) if HTTPS else ("ws", "wss"))
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            "https://cdn.discordapp.com",
            "https://media.discordapp.net",
            "https://avatars.steamstatic.com",
            "https://avatars.cloudflare.steamstatic.com",
            "https://steamcdn-a.akamaihd.net",
            "https://cdn.cloudflare.steamstatic.com",
            "https://cdn.steamstatic.com",
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *_WEBSOCKET_SOURCES],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Static files, i18n ---------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "backend" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: one readable line per event ---------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": "INFO"},
    },
}
