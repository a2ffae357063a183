from django.core import checks


def test_a_discord_webhook_without_the_sites_address_is_warned_about(settings) -> None:
    settings.DISCORD_WEBHOOK_URL = "https://discord.example/api/webhooks/1/token"
    settings.SITE_URL = ""
    assert [message.id for message in checks.run_checks()] == ["core.W001"]
    settings.SITE_URL = "https://dtx.example.org"
    assert checks.run_checks() == []
