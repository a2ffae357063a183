from django.apps import AppConfig


class DraftsConfig(AppConfig):
    name = "backend.drafts"
    label = "drafts"
