from rest_framework import generics
from rest_framework.permissions import AllowAny

from backend.live.models import LiveMatch, LiveMatchQuerySet
from backend.live.serializers import LiveMatchSerializer


class LiveMatchList(generics.ListAPIView[LiveMatch]):
    """The live games now tracked: tracked leagues' lobbies, and members' games among Steam's top live games."""

    permission_classes = [AllowAny]
    serializer_class = LiveMatchSerializer

    def get_queryset(self) -> LiveMatchQuerySet:
        return LiveMatch.objects.tracked().order_by("started_at", "id")
