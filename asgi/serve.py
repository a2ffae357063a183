"""The `web` process (Procfile: `python -m asgi.serve`): HTTP and WebSockets on one port.

uvicorn runs `asgi.application:application` in WEB_CONCURRENCY worker processes (default 2) on
HOST:PORT (default 0.0.0.0:8000). Inside each worker, Django's HTTP requests run in a pool of
WEB_THREADS threads (settings; default 4) and WebSockets on Channels: the arrangement bench/serve.py
measured cheapest (see README, Performance). SIGTERM stops it gracefully: no new connections,
open WebSockets are closed (code 1012), running requests get WEB_GRACEFUL_SECONDS (default 5) to finish.
WEB_ACCESS_LOG=1 logs every request.
"""

import logging
import logging.config
import os

import uvicorn

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def log_config(level: str) -> dict[str, object]:
    """The same one-line format as Django's logs (settings.LOGGING), for the server's own messages."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"format": LOG_FORMAT}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
        "loggers": {
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["console"], "level": level, "propagate": False},
            "asgi.serve": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }


def main() -> None:
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104  (a web process serves its whole host)
    port = int(os.environ.get("PORT", "8000"))
    workers = max(1, int(os.environ.get("WEB_CONCURRENCY", "2")))
    level = os.environ.get("LOG_LEVEL", "info").upper()
    config = log_config(level)
    logging.config.dictConfig(config)
    logging.getLogger("asgi.serve").info(
        "web: HTTP (Django, WSGI threads) and WebSockets (Channels) on http://%s:%d with %d uvicorn worker %s",
        host,
        port,
        workers,
        "process" if workers == 1 else "processes",
    )
    uvicorn.run(
        "asgi.application:application",
        host=host,
        port=port,
        workers=workers,
        lifespan="on",
        log_config=config,
        log_level=level.lower(),
        access_log=os.environ.get("WEB_ACCESS_LOG", "0") == "1",
        timeout_graceful_shutdown=int(os.environ.get("WEB_GRACEFUL_SECONDS", "5")),
        server_header=False,
        # websockets' sans-I/O protocol: a send puts the frame in the transport's buffer without waiting, which the
        # draft fan-out counts on (asgi/consumers/drafts.py). No per-message compression: it would compress every
        # event once per watcher, and events are small (under 2 KB).
        ws="websockets-sansio",
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
