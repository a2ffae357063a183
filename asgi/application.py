"""The ASGI application of the `web` process: Django over HTTP, Channels consumers over WebSockets.

HTTP goes through Django's WSGI handler, run by a2wsgi in a thread pool inside this process, rather
than through Django's ASGI handler: with only synchronous views and middleware, the ASGI handler
hands every request to one shared thread per process (`sync_to_async(thread_sensitive=True)`), which
cost about 1.6x the CPU per request in bench/serve.py and lets one slow request (a Steam lookup)
hold up every other in the process. WebSockets stay on Channels, in the same process and port.
"""

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
django.setup()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from asgi.routing import websocket_application  # noqa: E402  (needs the apps loaded)

http_application = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)  # type: ignore[arg-type]


async def lifespan_application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Nothing to set up or tear down; answering lifespan lets servers that send it start cleanly."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {"http": http_application, "websocket": websocket_application, "lifespan": lifespan_application}
)
