from django.apps import AppConfig


class TournamentsConfig(AppConfig):
    name = "backend.tournaments"
    label = "tournaments"
