"""The `web` process: answers HTTP and WebSockets on $PORT (default 8000)."""

import os

import uvicorn


def main() -> None:
    uvicorn.run(
        "asgi.application:application",
        host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104  (a web process serves its whole host)
        port=int(os.environ.get("PORT", "8000")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        lifespan="off",
    )


if __name__ == "__main__":
    main()
