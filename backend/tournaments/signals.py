"""Cache invalidation only: what a change of a tournament's rows also makes stale (see backend.core.cache)."""

from backend.core.cache import connect_many_to_many, depends

depends("tournaments.Team", "tournament")
depends("tournaments.Game", "tournament", "radiant_team", "dire_team")
# A membership changes what the team shows (members, total MMR) and what the player's own pages show.
depends("tournaments.TeamMember", "team", "user")
# A player's MMR counts in the total of every team they are on.
depends("accounts.User", "teams")
connect_many_to_many("tournaments.Tournament")
