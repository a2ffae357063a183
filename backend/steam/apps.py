from django.apps import AppConfig


class SteamConfig(AppConfig):
    name = "backend.steam"
    label = "steam"
