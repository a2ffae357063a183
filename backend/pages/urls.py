from django.urls import path, re_path

from backend.pages import views

app_name = "pages"

# Ids of at most 18 digits: a longer one is a 404 from the resolver, never a database overflow.
urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^tournaments/(?P<tournament_id>[0-9]{1,18})/$", views.tournament_detail, name="tournament"),
    path("live/", views.live_matches, name="live"),
    re_path(r"^live/(?P<live_id>[0-9]{1,19})/$", views.live_match, name="live-match"),
    re_path(r"^drafts/(?P<draft_id>[0-9]{1,18})/$", views.draft_board, name="draft"),
]
