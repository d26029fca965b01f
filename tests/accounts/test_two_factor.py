"""Staff sign-in with a second factor: setting it up, the code after the password, recovery
codes used up, django-axes counting wrong codes, and TWO_FACTOR_REQUIRED for Editors."""

import re
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

PASSWORD = "the-right-password-42"
ADDRESS = "198.51.100.7"


def staff(username="chen", *, editor=False, superuser=False):
    user = make_user(username=username, password=PASSWORD, is_staff=True, is_superuser=superuser)
    if editor:
        user.groups.add(Group.objects.get_or_create(name="Editor")[0])
    return user


def code_for(device, *, steps_ahead=0):
    """The code the app shows (steps_ahead=1: the next one, which the device also accepts)."""
    code = totp(device.bin_key, t0=device.t0, step=device.step, drift=steps_ahead)
    return f"{code:06d}"


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    from accounts.two_factor import new_recovery_codes

    return device, new_recovery_codes(user)


def log_in(client, username="chen", password=PASSWORD):
    return client.post(
        "/admin/login/?next=/admin/comments/",
        {"username": username, "password": password, "next": "/admin/comments/"},
        REMOTE_ADDR=ADDRESS,
    )


def send_code(client, code):
    return client.post(
        "/admin/login/code/?next=/admin/comments/",
        {"code": code, "next": "/admin/comments/"},
        REMOTE_ADDR=ADDRESS,
    )


def test_without_a_device_the_password_alone_logs_in(client, db):
    staff()
    response = log_in(client)
    assert response.status_code == 302 and response.url == "/admin/comments/"
    assert client.get("/admin/").status_code == 200


def test_with_a_device_the_password_leads_to_the_code_and_is_not_yet_a_login(client, db):
    device, _ = enrolled(staff())
    response = log_in(client)
    assert response.status_code == 302 and response.url.startswith("/admin/login/code/")
    assert client.get("/admin/").status_code == 302  # not logged in yet
    page = client.get(response.url).content.decode()
    assert 'autocomplete="one-time-code"' in page
    signed_in = send_code(client, code_for(device))
    assert signed_in.status_code == 302 and signed_in.url == "/admin/comments/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_with_a_message(client, db):
    enrolled(staff())
    log_in(client)
    response = send_code(client, "000000")
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_code_step_without_a_password_first_goes_back_to_the_login(client, db):
    response = client.get("/admin/login/code/")
    assert response.status_code == 302 and response.url == "/admin/login/"


def test_a_recovery_code_signs_in_once_and_is_used_up(client, db):
    user = staff()
    _, codes = enrolled(user)
    log_in(client)
    assert send_code(client, codes[0].upper()).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9
    again = Client()
    log_in(again)
    assert "That code is not right" in send_code(again, codes[0]).content.decode()


def test_wrong_codes_count_for_the_axes_lockout(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device, _ = enrolled(staff())
    log_in(client)
    for _ in range(2):
        assert send_code(client, "000000").status_code == 200
    locked = send_code(client, "111111")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    # Even the right code (or password) is refused now.
    assert send_code(client, code_for(device)).status_code == 429
    assert log_in(Client()).status_code == 429


def test_setup_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(client, db):
    user = staff()
    client.force_login(user)
    page = client.get("/admin/two-factor/").content.decode()
    assert '<svg class="two-factor-qr"' in page and 'd="M' in page
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1)
    key = b32decode(secret.replace(" ", ""))
    device = TOTPDevice.objects.get(user=user)
    assert key == device.bin_key and not device.confirmed
    wrong = client.post("/admin/two-factor/", {"code": "12345"})
    assert "That code does not match" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    time.sleep(1.1)  # after a wrong code, django-otp waits a second before trying another
    shown = client.post("/admin/two-factor/", {"code": f"{totp(key):06d}"}).content.decode()
    assert "shown this once" in shown
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    later = client.get("/admin/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in later and codes[0] not in later
    assert "10 unused recovery codes" in later


def test_new_recovery_codes_replace_the_old_ones(client, db):
    user = staff()
    _, old = enrolled(user)
    client.force_login(user)
    page = client.post("/admin/two-factor/", {"new_codes": "1"}).content.decode()
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_the_setup_page_is_for_staff_only(client, db):
    client.force_login(make_user(username="reader"))
    assert client.get("/admin/two-factor/").status_code == 302
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize(("editor", "superuser"), [(True, False), (False, True)])
def test_when_required_editors_and_superusers_must_set_it_up_first(
    client, db, settings, editor, superuser
):
    settings.TWO_FACTOR_REQUIRED = True
    staff(editor=editor, superuser=superuser)
    assert log_in(client).status_code == 302
    response = client.get("/admin/comments/")
    assert response.status_code == 302 and response.url == "/admin/two-factor/"
    assert client.get("/admin/two-factor/").status_code == 200


def test_when_required_authors_and_the_setting_off_change_nothing(client, db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    staff("author")
    log_in(client, "author")
    assert client.get("/admin/").status_code == 200
    settings.TWO_FACTOR_REQUIRED = False
    editor = Client()
    staff("ed", editor=True)
    log_in(editor, "ed")
    assert editor.get("/admin/").status_code == 200


def test_when_required_a_session_not_verified_by_a_code_is_asked_for_one(client, db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    user = staff(editor=True)
    device, _ = enrolled(user)
    client.force_login(user)  # e.g. a session from before the device was set up
    response = client.get("/admin/blog/post/?q=kilo")
    assert response.status_code == 302 and response.url.startswith("/admin/login/code/")
    signed_in = client.post(response.url, {"code": code_for(device)}, REMOTE_ADDR=ADDRESS)
    assert signed_in.status_code == 302 and signed_in.url == "/admin/blog/post/?q=kilo"
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_used_twice(client, db):
    device, _ = enrolled(staff())
    code = code_for(device)
    log_in(client)
    assert send_code(client, code).status_code == 302
    again = Client()
    log_in(again)
    assert "That code is not right" in send_code(again, code).content.decode()
