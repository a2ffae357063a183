"""Browser sign-in with Discord: start at GET /auth/login/discord/, come back to /auth/complete/discord/.

social-auth-app-django's own login view only starts on POST; the contract starts sign-in with a plain link,
so these views call social-core's actions themselves and turn every failure into a clear page (or JSON).
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from social_core.actions import do_auth, do_complete
from social_core.exceptions import (
    AuthCanceled,
    AuthConfigurationError,
    AuthCredentialError,
    AuthInputError,
    AuthProviderError,
    AuthResponseError,
    AuthSessionError,
    SocialAuthBaseException,
)
from social_django.utils import psa

from backend.accounts.models import User
from backend.core.errors import DomainError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginFailure:
    status: int
    title: str
    message: str


LOGIN_FAILURES: dict[str, LoginFailure] = {
    "login_cancelled": LoginFailure(
        403,
        "Sign-in cancelled",
        "You did not allow DTX to use your Discord account, so you are not signed in. Sign in again whenever you like.",
    ),
    "login_expired": LoginFailure(
        400,
        "Sign-in expired",
        "This sign-in could not be matched to your browser: it expired, was already used, or was started in "
        "another browser. Start the sign-in again.",
    ),
    "discord_rejected": LoginFailure(
        400,
        "Discord refused the sign-in",
        "Discord did not accept the sign-in code (it may have been used already). Start the sign-in again.",
    ),
    "discord_unavailable": LoginFailure(
        502,
        "Discord is not answering",
        "Discord did not answer properly, so we could not sign you in. Nothing was changed; try again in a minute.",
    ),
    "login_not_configured": LoginFailure(
        503,
        "Discord sign-in is not set up",
        "Discord sign-in is not configured correctly on this server. Tell the DTX staff.",
    ),
    "account_disabled": LoginFailure(
        403,
        "Account disabled",
        "This account has been disabled, so it cannot sign in. Ask the DTX staff if you think this is a mistake.",
    ),
    "login_failed": LoginFailure(400, "Sign-in failed", "The sign-in could not be completed. Start the sign-in again."),
}


def failure_code(error: Exception) -> str:
    """Sort a sign-in failure into one of the LOGIN_FAILURES codes."""
    if isinstance(error, DomainError):
        return error.code if error.code in LOGIN_FAILURES else "login_failed"
    if isinstance(error, AuthCanceled):
        return "login_cancelled"
    if isinstance(error, AuthSessionError | AuthInputError):
        return "login_expired"
    if isinstance(error, AuthCredentialError):
        return "discord_rejected"
    if isinstance(error, AuthProviderError | AuthResponseError):
        return "discord_unavailable"
    if isinstance(error, AuthConfigurationError):
        return "login_not_configured"
    return "login_failed"


def wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def failure_response(request: HttpRequest, code: str) -> HttpResponse:
    """JSON for API clients; browsers go to the error page, so a reload cannot replay the callback."""
    failure = LOGIN_FAILURES[code]
    if wants_json(request):
        return JsonResponse({"detail": failure.message, "code": code}, status=failure.status)
    return HttpResponseRedirect(f"{reverse('social:error')}?{urlencode({'code': code})}")


def _log_failure(code: str, error: Exception) -> None:
    # Only classifications: provider messages may echo request data, and nothing here may log a token or code.
    level = logging.INFO if code in ("login_cancelled", "account_disabled") else logging.WARNING
    logger.log(
        level,
        "Discord sign-in failed: %s (%s, stage %s, provider status %s)",
        code,
        type(error).__name__,
        getattr(error, "stage", "-"),
        getattr(error, "status_code", None) or "-",
    )


def _login(backend: Any, user: User, social_user: Any) -> None:
    login(backend.strategy.request, user, backend=f"{type(backend).__module__}.{type(backend).__name__}")


@never_cache
@require_GET
@psa("social:complete")
def login_begin(request: HttpRequest, backend: str) -> HttpResponse:
    """Redirect to Discord's consent page; `?next=` (a local URL) is where the member lands afterwards."""
    if not settings.SOCIAL_AUTH_DISCORD_KEY or not settings.SOCIAL_AUTH_DISCORD_SECRET:
        logger.warning("Discord sign-in asked for, but SOCIAL_AUTH_DISCORD_KEY/SECRET are not set")
        return failure_response(request, "login_not_configured")
    try:
        response: HttpResponse = do_auth(request.backend, redirect_name=REDIRECT_FIELD_NAME)  # type: ignore[attr-defined]
    except SocialAuthBaseException as error:
        code = failure_code(error)
        _log_failure(code, error)
        return failure_response(request, code)
    return response


@never_cache
@csrf_exempt  # Discord's redirect carries no CSRF token; the OAuth state bound to the session protects it.
@psa("social:complete")
def login_complete(request: HttpRequest, backend: str) -> HttpResponse:
    """Discord redirects here with a code (or an error); sign the member in, or explain why not."""
    try:
        # user=None: Discord sign-in always identifies the member by their Discord id; it never links the
        # Discord account to whoever this browser was signed in as.
        response: HttpResponse = do_complete(
            request.backend,  # type: ignore[attr-defined]
            _login,
            user=None,
            redirect_name=REDIRECT_FIELD_NAME,
        )
    except (SocialAuthBaseException, DomainError) as error:
        code = failure_code(error)
        _log_failure(code, error)
        return failure_response(request, code)
    if request.user.is_authenticated:
        get_token(request)  # the csrftoken cookie, so the page can write (and log out) right away
    return response


@never_cache
@require_GET
def login_error(request: HttpRequest) -> HttpResponse:
    """The page a failed sign-in lands on: what happened, and a link to try again."""
    code = request.GET.get("code", "")
    if code not in LOGIN_FAILURES:
        code = "login_failed"
    failure = LOGIN_FAILURES[code]
    if wants_json(request):
        return JsonResponse({"detail": failure.message, "code": code}, status=failure.status)
    return render(
        request,
        "accounts/login_error.html",
        {"code": code, "failure": failure, "login_url": reverse("social:begin", args=["discord"])},
    )
