from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from backend.accounts import testlogin
from backend.accounts.api import LogoutView, UserViewSet
from backend.core.errors import api_not_found
from backend.core.views import Ping, healthz
from backend.drafts.urls import draft_patterns
from backend.live.api import LiveMatchList
from backend.matches.api import MatchViewSet
from backend.organizations.api import OrganizationViewSet
from backend.pages import views as pages
from backend.steam.api import SteamResolveView
from backend.tournaments.api import GameViewSet, TeamViewSet, TournamentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("users", UserViewSet, basename="user")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("tournaments", TournamentViewSet, basename="tournament")
router.register("teams", TeamViewSet, basename="team")
router.register("games", GameViewSet, basename="game")
router.register("matches", MatchViewSet, basename="match")

api_patterns = [
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("ping/", Ping.as_view(), name="ping"),
    path("steam/resolve/", SteamResolveView.as_view(), name="steam-resolve"),
    path("live/", LiveMatchList.as_view(), name="live-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", pages.docs, name="docs"),
    path("redoc/", pages.redoc, name="redoc"),
    *draft_patterns,
    *router.urls,
]
if settings.TEST_LOGIN_ENABLED:
    api_patterns += [
        path("tests/login-user/", testlogin.LoginUser.as_view()),
        path("tests/login-staff/", testlogin.LoginStaff.as_view()),
        path("tests/login-admin/", testlogin.LoginAdmin.as_view()),
        path("tests/login-as/", testlogin.LoginAs.as_view()),
    ]

urlpatterns = [
    path("api/", include(api_patterns)),
    re_path(r"^api/", api_not_found),
    path("auth/", include("backend.accounts.urls", namespace="social")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("backend.pages.urls")),
]

handler500 = "backend.core.errors.server_error"
