"""Cache invalidation only: the draft's rows in the dependency table (see backend.core.cache).

A round feeds its draft and, through it, the tournament. Not its team: no cached team answer shows rounds, and the
pick's membership (services.draft_pick) invalidates the team; following `team` would cost a query per shuffle pick.
"""

from backend.core.cache import depends

depends("drafts.Draft", "tournament")
depends("drafts.DraftRound", "draft")
