"""A fake Discord over real HTTP, for sign-in tests: OAuth2 authorize and token, users/@me, the guild member.

It checks what the real Discord checks (client id and secret, the redirect URI, single-use codes, bearer
tokens, the scope) and lets each test script the member (profile, avatar, guild record or 404) and failures
(a 500, a timeout, a body that is not JSON) endpoint by endpoint.

    with FakeDiscord() as discord:
        discord.profile["avatar"] = "..."
        discord.fail("token", "500")

One server can serve a whole module: `reset()` forgets the previous test's script, codes and tokens.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.processes import free_port

Endpoint = Literal["authorize", "token", "me", "member"]
Failure = Literal["500", "timeout", "garbage", "not_json"]

MEMBER_PATH = re.compile(r"^/api/users/@me/guilds/(?P<guild_id>[0-9]+)/member$")


def avatar_hash(seed: int) -> str:
    return f"{seed:032x}"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    profile: dict[str, Any] = field(default_factory=dict)


class FakeDiscord:
    client_id = "dtx-test-client"
    client_secret = "dtx-test-secret-do-not-log"

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=free_port(), threaded=True)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.consent = True
        self.profile: dict[str, Any] = {
            "id": "80351110224678912",
            "username": "nelly",
            "global_name": "Nelly",
            "avatar": avatar_hash(1),
            "discriminator": "0",
            "email": "nelly@example.com",
            "verified": True,
        }
        # guild id -> this member's record there; a guild missing here answers 404 "Unknown Guild".
        self.members: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, Failure] = {}
        self.timeout_seconds = 2.0
        self.codes: dict[str, Grant] = {}
        self.tokens: dict[str, Grant] = {}
        self.calls: list[str] = []
        self.issued_codes: list[str] = []
        self.issued_tokens: list[str] = []

    # --- scripting ---------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def fail(self, endpoint: Endpoint, how: Failure) -> None:
        self.failures[endpoint] = how

    def join_guild(self, guild_id: str, nick: str | None = None) -> None:
        self.members[guild_id] = {
            "user": {key: self.profile[key] for key in ("id", "username", "global_name", "avatar")},
            "nick": nick,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
        }

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> FakeDiscord:
        self.server.expect_request("/oauth2/authorize", method="GET").respond_with_handler(self._authorize)
        self.server.expect_request("/api/oauth2/token", method="POST").respond_with_handler(self._token)
        self.server.expect_request("/api/users/@me", method="GET").respond_with_handler(self._me)
        self.server.expect_request(MEMBER_PATH, method="GET").respond_with_handler(self._member)
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    # --- endpoints ---------------------------------------------------------------------------------------------

    def _scripted_failure(self, endpoint: Endpoint) -> Response | None:
        with self.lock:
            self.calls.append(endpoint)
        how = self.failures.get(endpoint)
        if how is None:
            return None
        if how == "500":
            return _json({"message": "500: Internal Server Error", "code": 0}, 500)
        if how == "timeout":
            time.sleep(self.timeout_seconds)
            return _json({"message": "too late"}, 200)
        if how == "not_json":
            return Response("<html>502 Bad Gateway</html>", status=200, content_type="text/html")
        return _json(["not", "an", "object"], 200)  # garbage: valid JSON of the wrong shape

    def _authorize(self, request: Request) -> Response:
        failure = self._scripted_failure("authorize")
        if failure is not None:
            return failure
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != self.client_id or args.get("response_type") != "code" or not redirect_uri:
            return _json({"message": "Invalid OAuth2 request", "code": 50035}, 400)
        state = args.get("state")
        if not self.consent:
            return _redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "The resource owner or authorization server denied the request",
                    **({"state": state} if state else {}),
                },
            )
        code = secrets.token_urlsafe(16)
        scopes = args.get("scope", "").replace("+", " ").split()
        with self.lock:
            self.codes[code] = Grant(self.client_id, redirect_uri, scopes, dict(self.profile))
            self.issued_codes.append(code)
        return _redirect(redirect_uri, {"code": code, **({"state": state} if state else {})})

    def _token(self, request: Request) -> Response:
        failure = self._scripted_failure("token")
        if failure is not None:
            return failure
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _json({"error": "invalid_client"}, 401)
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # single use, like Discord's
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return _json({"error": "invalid_grant", "error_description": 'Invalid "code" in request.'}, 400)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = grant
            self.issued_tokens.append(token)
        return _json(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 604800,
                "refresh_token": secrets.token_urlsafe(24),
                "scope": " ".join(grant.scopes),
            }
        )

    def _grant(self, request: Request) -> Grant | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.tokens.get(header.removeprefix("Bearer "))

    def _me(self, request: Request) -> Response:
        failure = self._scripted_failure("me")
        if failure is not None:
            return failure
        grant = self._grant(request)
        if grant is None or "identify" not in grant.scopes:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        profile = dict(grant.profile)
        if "email" not in grant.scopes:
            profile.pop("email", None)
            profile.pop("verified", None)
        return _json(profile)

    def _member(self, request: Request) -> Response:
        failure = self._scripted_failure("member")
        if failure is not None:
            return failure
        grant = self._grant(request)
        if grant is None:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if "guilds.members.read" not in grant.scopes:
            return _json({"message": "Missing Access", "code": 50001}, 403)
        match = MEMBER_PATH.match(request.path)
        assert match is not None
        member = self.members.get(match["guild_id"])
        if member is None:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        return _json(member)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _redirect(uri: str, params: dict[str, str]) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    return Response(status=302, headers={"Location": f"{uri}{separator}{urlencode(params)}"})
