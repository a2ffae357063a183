"""The ASGI application: Django over HTTP, Channels consumers over WebSockets."""

import os

import django
from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
django.setup()
http_application = get_asgi_application()

from asgi.routing import websocket_application  # noqa: E402  (needs the apps loaded)

application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})
