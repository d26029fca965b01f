"""Staff sign-in with a second factor (django-otp): a code from an authenticator app (TOTP) or
a recovery code, asked for after the password when the user has set it up; the page to set it
up; and TWO_FACTOR_REQUIRED, which makes Editors and superusers set it up before using the
admin. Wrong codes count as failed logins for django-axes, like wrong passwords."""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING = "two_factor_pending"  # session key: who gave the right password, waiting for a code
PENDING_SECONDS = 300
RECOVERY_CODES = 10


def needs_second_factor(user):
    """Who must set up a second factor when TWO_FACTOR_REQUIRED is on."""
    return user.is_superuser or user.is_editor


def admin_context(request, title):
    return {**admin.site.each_context(request), "title": title, "site_title": admin.site.site_title}


def safe_next(request, fallback):
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else fallback


class PasswordStep(LoginView):
    """The admin's login form; a user with a second factor goes on to the code step instead of
    being logged in."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if not user_has_device(user, confirmed=True):
            return super().form_valid(form)
        await_code(self.request, user, user.backend)
        query = urlencode({REDIRECT_FIELD_NAME: self.get_success_url()})
        return redirect(f"{reverse('accounts:login-code')}?{query}")


def await_code(request, user, backend):
    request.session[PENDING] = {"user": user.pk, "backend": backend, "at": time.time()}


def login(request):
    """The admin's login page (it takes the admin's own address, /admin/login/)."""
    if request.method == "GET" and admin.site.has_permission(request):
        return redirect(safe_next(request, reverse("admin:index")))
    context = {
        **admin_context(request, "Log in"),
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index")
    return PasswordStep.as_view(extra_context=context)(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def pending_user(request):
    """The user who gave the right password a moment ago in this session, else None."""
    pending = request.session.get(PENDING) or {}
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def code_step(request):
    """After the password: a code from the app, or a recovery code (used up)."""
    user = pending_user(request)
    if user is None:
        messages.info(request, "Please log in again.")
        return redirect(reverse("admin:login"))
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, None, credentials)
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            return sign_in(request, user, device)
        form.add_error(
            "code",
            "That code is not right (or was used already). Wait a few seconds (each wrong code"
            " makes the next try wait a little longer), then type the next one.",
        )
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    context = {
        **admin_context(request, "Your second factor"),
        "form": form,
        "user_name": user,
        "next": safe_next(request, reverse("admin:index")),
    }
    return TemplateResponse(request, "accounts/two_factor_code.html", context)


def sign_in(request, user, device):
    backend = request.session[PENDING]["backend"]
    auth_login(request, user, backend=backend)
    otp_login(request, device)
    request.session.pop(PENDING, None)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        messages.warning(
            request,
            f"You used a recovery code; {left} left. Make new ones on the two-factor page.",
        )
    return redirect(safe_next(request, reverse("admin:index")))


def qr_path(text):
    """The dark modules of a QR code of `text` as SVG path data, one run of a row at a time."""
    runs = []
    for y, row in enumerate(segno.make(text, error="m").matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(runs), len(row)


def new_recovery_codes(user):
    """Replace the user's recovery codes; the plain codes are shown once, now."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=10,
        help_text="The 6 digits the app shows once it has the secret.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


def setup(request):
    """The signed-in staff user's second factor: set it up (QR code and secret, confirmed with a
    code before it counts), or, once on, make new recovery codes."""
    user = request.user
    title = "Two-factor sign-in"
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        if request.method == "POST" and "new_codes" in request.POST:
            codes = new_recovery_codes(user)
            context = {**admin_context(request, "Your new recovery codes"), "codes": codes}
            return TemplateResponse(request, "accounts/two_factor_codes.html", context)
        left = StaticToken.objects.filter(device__user=user).count()
        context = {**admin_context(request, title), "device": device, "codes_left": left}
        return TemplateResponse(request, "accounts/two_factor_on.html", context)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token("".join(form.cleaned_data["code"].split())):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            codes = new_recovery_codes(user)
            context = {**admin_context(request, "Two-factor sign-in is on"), "codes": codes}
            return TemplateResponse(request, "accounts/two_factor_codes.html", context)
        form.add_error(
            "code",
            "That code does not match. Wait a few seconds (each wrong code makes the next try"
            " wait a little longer), then type the app's next one; if it still fails, check"
            " the phone's clock.",
        )
    path, size = qr_path(device.config_url)
    secret = b32encode(device.bin_key).decode()
    context = {
        **admin_context(request, title),
        "form": form,
        "qr_path": path,
        "qr_size": size,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "is_required": settings.TWO_FACTOR_REQUIRED and needs_second_factor(user),
    }
    return TemplateResponse(request, "accounts/two_factor_setup.html", context)


class TwoFactorRequiredMiddleware:
    """With TWO_FACTOR_REQUIRED on, Editors and superusers use the admin only in a session
    verified with a second factor: first they set one up, later they give a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TWO_FACTOR_REQUIRED:
            detour = self.detour(request)
            if detour is not None:
                return detour
        return self.get_response(request)

    def detour(self, request):
        admin_root = reverse("admin:index")
        open_paths = {
            reverse(name)
            for name in ("admin:login", "admin:logout", "accounts:login-code", "accounts:setup")
        }
        user = request.user
        if (
            not request.path.startswith(admin_root)
            or request.path in open_paths
            or not (user.is_authenticated and user.is_staff)
            or user.is_verified()
            or not needs_second_factor(user)
        ):
            return None
        if user_has_device(user, confirmed=True):
            await_code(request, user, request.session.get("_auth_user_backend"))
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return redirect(f"{reverse('accounts:login-code')}?{query}")
        messages.warning(
            request, "This site asks Editors to set up two-factor sign-in before going on."
        )
        return redirect(reverse("accounts:setup"))
