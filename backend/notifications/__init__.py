"""Per-user notifications (`/ws/me/`) and the organization's Discord webhook.

The draft code calls `notify_draft_started` and `notify_your_turn` from inside its transaction; everything they
send leaves after commit and never raises.
"""
