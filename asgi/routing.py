from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path, re_path

from asgi.consumers.drafts import DraftConsumer
from asgi.consumers.live import LiveConsumer
from asgi.consumers.me import MeConsumer
from asgi.consumers.now import NowConsumer
from asgi.consumers.ping import PingConsumer

# The one stream that needs the viewer: the session and the user in the scope.
signed_in_urlpatterns = [
    path("ws/me/", MeConsumer.as_asgi()),
]

websocket_urlpatterns = [
    # Public streams, the same for everyone, go without the session middleware: a session read on each connect
    # and, on the draft stream, its wrapper on each of the thousands of sends of every event. Any draft id
    # reaches the consumer, which accepts and closes with 4404 when it names no draft.
    re_path(r"^ws/drafts/(?P<draft_id>[^/]+)/$", DraftConsumer.as_asgi()),
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/live/<int:live_id>/", LiveConsumer.as_asgi()),
    path("ws/now/", NowConsumer.as_asgi()),
    path("ws/ping/", PingConsumer.as_asgi()),
    re_path(r"", AuthMiddlewareStack(URLRouter(signed_in_urlpatterns))),
]

# Browsers send Origin; anything outside ALLOWED_HOSTS is refused before a consumer runs.
websocket_application = AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
