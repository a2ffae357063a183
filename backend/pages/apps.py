from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "backend.pages"
    label = "pages"
    verbose_name = "Pages"
