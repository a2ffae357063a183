import logging
from typing import Any

import requests
from celery import Task
from django.conf import settings

from workers.celery import app

logger = logging.getLogger(__name__)


class WebhookUnavailable(Exception):
    """Discord answered 429 or 5xx: worth another try later."""


def retry_delay(retries: int) -> float:
    """Exponential backoff: the base delay, doubled after each failure, capped at ten minutes."""
    return float(min(settings.DISCORD_WEBHOOK_RETRY_SECONDS * 2**retries, 600))


# Not acks_late: a post that reached Discord and then lost its worker must not be posted twice.
@app.task(name="notifications.post_discord_webhook", bind=True, acks_late=False, ignore_result=True)
def post_discord_webhook(self: Task[Any, Any], content: str) -> None:
    """Post `content` to the organization's Discord channel; retried with backoff on 429, 5xx and network errors."""
    url = settings.DISCORD_WEBHOOK_URL
    if not url:
        return
    # allowed_mentions: a nickname such as "@everyone" must not ping the whole guild.
    payload = {"content": content[:2000], "allowed_mentions": {"parse": []}}
    try:
        response = requests.post(url, json=payload, timeout=settings.DISCORD_WEBHOOK_TIMEOUT_SECONDS)
        if response.status_code == 429 or response.status_code >= 500:
            raise WebhookUnavailable(f"Discord answered {response.status_code}")
    except (requests.RequestException, WebhookUnavailable) as failure:
        # The webhook URL holds its token: log the kind of failure, never the request's URL.
        error = str(failure) if isinstance(failure, WebhookUnavailable) else type(failure).__name__
        if self.request.retries >= settings.DISCORD_WEBHOOK_MAX_RETRIES:
            logger.error("Discord webhook post given up after %d tries: %s", self.request.retries + 1, error)
            return
        delay = retry_delay(self.request.retries)
        logger.warning("Discord webhook post failed (%s); retrying in %.1f s", error, delay)
        raise self.retry(countdown=delay, exc=failure) from failure
    if response.status_code >= 400:
        # 4xx other than 429: the URL or the message is wrong; another try would fail the same way.
        logger.error("Discord webhook refused the post: %s %s", response.status_code, response.text[:200])
