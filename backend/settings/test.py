"""Test settings: only what makes the suite faster or isolates it; everything else is base.py."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("TEST_LOGIN_ENABLED", "1")
# Redis databases 8-10, so the suite never touches a running stack's cache, channel layer or queue.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
# Throttling is tested on its own; everywhere else it would only make bursts of requests flaky.
os.environ.setdefault("API_THROTTLE_ANON", "")
os.environ.setdefault("API_THROTTLE_USER", "")

from backend.settings.base import *  # noqa: F403

STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405  (whitenoise warns on every request without it)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: servers and workers started by tests open the same database.
    (BASE_DIR / ".run").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".run" / "test-db.sqlite3")}  # noqa: F405
