from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from asgi.consumers.me import MeConsumer
from asgi.consumers.ping import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
]

# Browsers send Origin; anything outside ALLOWED_HOSTS is refused before a consumer runs.
websocket_application = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
