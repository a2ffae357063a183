"""Server-rendered pages. Every user-supplied string reaches the page through Django's autoescaping."""

from typing import Any

from csp.decorators import csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from backend.accounts.models import User
from backend.live.models import LiveMatch
from backend.live.selectors import live_matches_data
from backend.pages import selectors
from backend.steam.selectors import hero_names
from backend.steam.services import heroes_refresh_request


def home(request: HttpRequest) -> HttpResponse:
    """What is live now (kept current by /ws/now/), the tournaments to come and the latest results."""
    return render(
        request,
        "pages/home.html",
        {
            "live_now": selectors.live_now(),
            "current_tournaments": selectors.tournaments_current(),
            "recent_tournaments": selectors.tournaments_recent(),
        },
    )


def tournament_detail(request: HttpRequest, tournament_id: str) -> HttpResponse:
    """A tournament's players, teams, games, draft and results."""
    page = selectors.tournament_page(int(tournament_id))
    if page is None:
        raise Http404("No such tournament.")
    return render(request, "pages/tournament.html", {"page": page, "tournament": page.tournament})


# The API docs, served from this site (drf-spectacular-sidecar) under the same CSP as every page:
# Swagger UI's start-up script is fetched as a file (the split view) instead of inlined, and both templates
# leave out the inline <style> and Redoc's Google Fonts.
docs = SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="pages/swagger_ui.html")

# Redoc renders with styled-components, which inject <style> elements at run time, and its bundle hard-codes one
# image from Redocly's CDN (the "API docs by Redocly" logo): only this page allows them. Scripts stay this site's.
_redoc: Any = SpectacularRedocView.as_view(url_name="schema", template_name="pages/redoc.html")
redoc = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["https://cdn.redoc.ly"], "worker-src": ["blob:"]})(
    _redoc
)


def draft_board(request: HttpRequest, draft_id: str) -> HttpResponse:
    """The live draft board: rendered from the draft's snapshot, then kept current by /ws/drafts/{id}/."""
    board = selectors.draft_board(int(draft_id), request.user)
    if board is None:
        raise Http404("No such draft.")
    return render(request, "pages/draft.html", board)


def _live_page(
    request: HttpRequest, matches: list[dict[str, Any]], live_id: str | None, ended: dict[str, Any] | None = None
) -> HttpResponse:
    user_ids = {player["user"] for match in matches for player in match["players"] if player.get("user")}
    members = {str(user.pk): user.display_name for user in User.objects.filter(pk__in=user_ids)}
    heroes_refresh_request(hero_ids=[player.get("hero_id") for match in matches for player in match["players"]])
    context = {
        "live_id": live_id or "",
        "matches": matches,
        "members": members,
        "ended": ended,
        "hero_names": {str(key): name for key, name in hero_names().items()},
    }
    return render(request, "pages/live.html", context)


def live_matches(request: HttpRequest) -> HttpResponse:
    """Every live game tracked now, kept current by /ws/live/."""
    return _live_page(request, live_matches_data(), None)


def live_match(request: HttpRequest, live_id: str) -> HttpResponse:
    """One live game (or its end, with a link to its result), kept current by /ws/live/{live_id}/."""
    if int(live_id) > 2**63 - 1:
        raise Http404("No such live game.")
    row = LiveMatch.objects.filter(live_id=int(live_id)).first()
    if row is None:
        raise Http404("No such live game.")
    ended = None if row.ended_at is None else {"live_id": str(row.live_id), "match_id": row.match_id}
    return _live_page(request, live_matches_data(live_id=row.live_id), str(row.live_id), ended)
