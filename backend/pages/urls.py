from django.urls import path

from backend.pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("tournaments/<int:tournament_id>/", views.tournament_detail, name="tournament"),
]
