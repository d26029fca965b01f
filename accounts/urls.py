"""Sign-in pages under the admin's address (config/urls.py puts them before the admin's own)."""

from django.contrib import admin
from django.urls import path

from . import two_factor

app_name = "accounts"

urlpatterns = [
    path("login/", two_factor.login, name="login"),
    path("login/code/", two_factor.code_step, name="login-code"),
    path("two-factor/", admin.site.admin_view(two_factor.setup), name="setup"),
]
