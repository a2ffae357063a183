"""Discord sign-in pages, under the `social` namespace social-auth-app-django resolves its URLs in."""

from django.urls import path

from backend.accounts import views

app_name = "social"

urlpatterns = [
    path("login/<str:backend>/", views.login_begin, name="begin"),
    path("complete/<str:backend>/", views.login_complete, name="complete"),
    path("error/", views.login_error, name="error"),
]
