from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from backend.accounts import testlogin
from backend.accounts.api import LogoutView, UserViewSet
from backend.core.errors import api_not_found
from backend.core.views import Ping, healthz
from backend.organizations.api import OrganizationViewSet
from backend.tournaments.api import GameViewSet, TeamViewSet, TournamentViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("users", UserViewSet, basename="user")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("tournaments", TournamentViewSet, basename="tournament")
router.register("teams", TeamViewSet, basename="team")
router.register("games", GameViewSet, basename="game")

api_patterns = [
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("ping/", Ping.as_view(), name="ping"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
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
]

handler500 = "backend.core.errors.server_error"
