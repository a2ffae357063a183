from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from backend.accounts.models import User
from backend.core.cache import CachedReadMixin
from backend.core.filters import IdFilter
from backend.organizations.permissions import (
    OrganizationContentPermission,
    can_manage_organization_content,
    can_register_player,
)
from backend.tournaments import selectors, services
from backend.tournaments.models import Game, GameStatus, Team, Tournament, TournamentState, TournamentType
from backend.tournaments.serializers import (
    SMALL_INT_MAX,
    GameCreateSerializer,
    GameSerializer,
    GameUpdateSerializer,
    PlayerRegistrationSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
    TournamentCreateSerializer,
    TournamentSerializer,
    TournamentUpdateSerializer,
)

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]
ID_PATTERN = r"[0-9]{1,18}"  # anything else is a 404 from the URL resolver, never a database error


def actor_of(request: Request) -> User:
    user = request.user
    assert isinstance(user, User), "write views require a signed-in user"
    return user


def referenced(request: Request, serializer_class: type[Serializer[Any]], field_name: str) -> Any:
    """Resolve the one field of a create payload that says whose permission applies (400 if it is bad)."""
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    field = serializer_class().fields[field_name]
    try:
        return field.run_validation(request.data.get(field_name, empty))
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({field_name: error.detail}) from None


def require_content_manager(request: Request, organization_id: int) -> None:
    if not can_manage_organization_content(request.user, organization_id):
        raise exceptions.PermissionDenied("Only this organization's staff and admins may do this.")


def validated(serializer_class: type[Serializer[Any]], request: Request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- tournaments ----------------------------------------------------------------------------------------------------


class TournamentFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization")
    state = filters.ChoiceFilter(choices=TournamentState.choices)
    tournament_type = filters.ChoiceFilter(choices=TournamentType.choices)
    player = IdFilter(field_name="players", help_text="Tournaments this user id is registered in")

    class Meta:
        model = Tournament
        fields = ["organization", "state", "tournament_type", "player"]


class TournamentViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Tournament],
):
    """Tournaments of every organization; that organization's staff and admins manage them."""

    permission_classes = [OrganizationContentPermission]
    http_method_names = WRITE_METHODS
    lookup_value_regex = ID_PATTERN
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = TournamentFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name", "date", "state"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Tournament]:
        return selectors.tournament_list()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return {"create": TournamentCreateSerializer, "partial_update": TournamentUpdateSerializer}.get(
            self.action, TournamentSerializer
        )

    def _answer(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(TournamentSerializer(selectors.tournament_list().get(pk=pk)).data, status=code)

    @extend_schema(request=TournamentCreateSerializer, responses={201: TournamentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = referenced(request, TournamentCreateSerializer, "organization")
        require_content_manager(request, organization.pk)
        tournament = services.tournament_create(
            actor=actor_of(request), **validated(TournamentCreateSerializer, request)
        )
        return self._answer(tournament.pk, status.HTTP_201_CREATED)

    @extend_schema(request=TournamentUpdateSerializer, responses={200: TournamentSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tournament = self.get_object()
        data = validated(TournamentUpdateSerializer, request, partial=True)
        services.tournament_update(actor=actor_of(request), tournament=tournament, data=data)
        return self._answer(tournament.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.tournament_delete(actor=actor_of(request), tournament=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=PlayerRegistrationSerializer,
        responses={201: TournamentSerializer},
        description="Register a player: oneself while registration is open, or anyone as the organization's staff.",
    )
    @action(detail=True, methods=["post"], url_path="players", permission_classes=[OrganizationContentPermission])
    def register_player(self, request: Request, pk: str) -> Response:
        tournament = get_object_or_404(Tournament, pk=pk)
        user = validated(PlayerRegistrationSerializer, request)["user_id"]
        self._require_registrar(request, tournament, user.pk)
        services.tournament_player_register(
            actor=actor_of(request), tournament=tournament, user=user, by_staff=self._by_staff(request, tournament)
        )
        return self._answer(tournament.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The player to withdraw")],
        description="Withdraw a player who is on no team: oneself while registration is open, or as staff.",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"players/(?P<user_id>{ID_PATTERN})",
        permission_classes=[OrganizationContentPermission],
    )
    def withdraw_player(self, request: Request, pk: str, user_id: str) -> Response:
        tournament = get_object_or_404(Tournament, pk=pk)
        user = get_object_or_404(User, pk=int(user_id))
        self._require_registrar(request, tournament, user.pk)
        services.tournament_player_withdraw(
            actor=actor_of(request), tournament=tournament, user=user, by_staff=self._by_staff(request, tournament)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _require_registrar(request: Request, tournament: Tournament, user_id: int) -> None:
        if not can_register_player(request.user, tournament.organization_id, user_id):
            raise exceptions.PermissionDenied("Players register and withdraw only themselves.")

    @staticmethod
    def _by_staff(request: Request, tournament: Tournament) -> bool:
        return can_manage_organization_content(request.user, tournament.organization_id)


# --- teams ----------------------------------------------------------------------------------------------------------


class TeamFilter(filters.FilterSet):
    tournament = IdFilter(field_name="tournament")
    captain = IdFilter(field_name="captain")
    player = IdFilter(field_name="members", help_text="Teams this user id plays on")

    class Meta:
        model = Team
        fields = ["tournament", "captain", "player"]


class TeamViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Team],
):
    """Teams of a tournament, with `total_mmr`; the organization's staff and admins manage them."""

    permission_classes = [OrganizationContentPermission]
    http_method_names = WRITE_METHODS
    lookup_value_regex = ID_PATTERN
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = TeamFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name", "draft_order", "total_mmr"]
    ordering = ["tournament_id", "draft_order"]

    def get_queryset(self) -> QuerySet[Team]:
        teams = selectors.team_list()
        if self.action not in ("list", "retrieve"):
            teams = teams.select_related("tournament")  # object permissions read tournament.organization_id
        return teams

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return {"create": TeamCreateSerializer, "partial_update": TeamUpdateSerializer}.get(self.action, TeamSerializer)

    def _answer(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(TeamSerializer(selectors.team_list().get(pk=pk)).data, status=code)

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tournament = referenced(request, TeamCreateSerializer, "tournament")
        require_content_manager(request, tournament.organization_id)
        team = services.team_create(actor=actor_of(request), **validated(TeamCreateSerializer, request))
        return self._answer(team.pk, status.HTTP_201_CREATED)

    @extend_schema(request=TeamUpdateSerializer, responses={200: TeamSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        services.team_update(
            actor=actor_of(request), team=team, data=validated(TeamUpdateSerializer, request, partial=True)
        )
        return self._answer(team.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.team_delete(actor=actor_of(request), team=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- games ----------------------------------------------------------------------------------------------------------


class GameFilter(filters.FilterSet):
    tournament = IdFilter(field_name="tournament")
    team = IdFilter(method="filter_team", help_text="Games this team id plays, radiant or dire")
    status = filters.ChoiceFilter(choices=GameStatus.choices)
    round = IdFilter(field_name="round", max_value=SMALL_INT_MAX)

    class Meta:
        model = Game
        fields = ["tournament", "team", "status", "round"]

    def filter_team(self, queryset: QuerySet[Game], name: str, value: int) -> QuerySet[Game]:
        return queryset.filter(Q(radiant_team=value) | Q(dire_team=value))


class GameViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Game],
):
    """Games of a tournament; the organization's staff and admins manage them."""

    permission_classes = [OrganizationContentPermission]
    http_method_names = WRITE_METHODS
    lookup_value_regex = ID_PATTERN
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = GameFilter
    ordering_fields = ["id", "round", "status"]
    ordering = ["tournament_id", "round", "id"]

    def get_queryset(self) -> QuerySet[Game]:
        games = selectors.game_list()
        if self.action not in ("list", "retrieve"):
            games = games.select_related("tournament")
        return games

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return {"create": GameCreateSerializer, "partial_update": GameUpdateSerializer}.get(self.action, GameSerializer)

    def _answer(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(GameSerializer(selectors.game_list().get(pk=pk)).data, status=code)

    @extend_schema(request=GameCreateSerializer, responses={201: GameSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tournament = referenced(request, GameCreateSerializer, "tournament")
        require_content_manager(request, tournament.organization_id)
        game = services.game_create(actor=actor_of(request), **validated(GameCreateSerializer, request))
        return self._answer(game.pk, status.HTTP_201_CREATED)

    @extend_schema(request=GameUpdateSerializer, responses={200: GameSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        game = self.get_object()
        services.game_update(
            actor=actor_of(request), game=game, data=validated(GameUpdateSerializer, request, partial=True)
        )
        return self._answer(game.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.game_delete(actor=actor_of(request), game=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
