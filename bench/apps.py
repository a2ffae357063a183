"""Candidate ASGI applications for bench/serve.py, besides `asgi.application:application` (the `web`
process's own: Django's WSGI handler in an a2wsgi thread pool for HTTP, Channels for WebSockets).

- `django_asgi`: HTTP through Django's ASGI handler, WebSockets through Channels.
- `front`: HTTP proxied (aiohttp client) to a WSGI server on `UPSTREAM_URL`, WebSockets through
  Channels in the front process itself: what joining gunicorn or granian-WSGI on one port costs.
"""

import os
from collections.abc import Awaitable, Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
django.setup()

import aiohttp  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

from asgi.application import lifespan_application  # noqa: E402
from asgi.routing import websocket_application  # noqa: E402

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

django_asgi = ProtocolTypeRouter(
    {"http": get_asgi_application(), "websocket": websocket_application, "lifespan": lifespan_application}
)

HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer"}


class HttpProxy:
    """Forwards each HTTP request to the WSGI server, keeping the original Host and the client address."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256), auto_decompress=False, skip_auto_headers=["User-Agent"]
            )
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"] if k not in HOP_BY_HOP]
        if scope.get("client"):
            headers.append(("X-Forwarded-For", scope["client"][0]))
        url = self.upstream + scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        try:
            async with self.session.request(
                scope["method"], url, headers=headers, data=body or None, allow_redirects=False
            ) as response:
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status,
                        "headers": [(k.lower(), v) for k, v in response.raw_headers if k.lower() not in HOP_BY_HOP],
                    }
                )
                async for chunk in response.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
        except aiohttp.ClientConnectionError:
            detail = b'{"detail": "The HTTP server behind the front is not answering.", "code": "bad_gateway"}'
            await send(
                {"type": "http.response.start", "status": 502, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": detail})


front = ProtocolTypeRouter(
    {
        "http": HttpProxy(os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8001")),
        "websocket": websocket_application,
        "lifespan": lifespan_application,
    }
)
