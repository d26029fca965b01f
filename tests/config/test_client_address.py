"""Behind a reverse proxy every request comes from the proxy; the reader's address is derived
once, from TRUSTED_PROXIES, and used by the login lockout, the comment flood limit, moderation
rules and the stored comment address. A client cannot choose the address by sending its own
X-Forwarded-For."""

import ipaddress

import pytest
from django.test import Client

from comments.models import Comment, ModerationRule
from config.client_address import derive_client_address, parse_trusted_proxies
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_post, make_user

PROXY = "10.0.0.7"


def meta(forwarded, remote=PROXY):
    return {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}


@pytest.mark.parametrize(
    ("setting", "forwarded", "remote", "client"),
    [
        ("", "203.0.113.9", PROXY, PROXY),  # no proxy configured: the header is ignored
        ("1", "203.0.113.9", PROXY, "203.0.113.9"),
        ("1", "6.6.6.6, 203.0.113.9", PROXY, "203.0.113.9"),  # a spoofed first entry
        ("1", "", PROXY, PROXY),  # not through the proxy
        ("2", "6.6.6.6, 203.0.113.9, 10.0.0.8", PROXY, "203.0.113.9"),
        ("2", "203.0.113.9", PROXY, PROXY),  # fewer hops than proxies
        ("1", "not-an-address", PROXY, PROXY),
        ("1", "2001:db8::1", PROXY, "2001:db8::1"),
        ("10.0.0.0/8", "6.6.6.6, 203.0.113.9, 10.0.0.8", PROXY, "203.0.113.9"),
        ("10.0.0.0/8", "6.6.6.6, 203.0.113.9", "198.51.100.3", "198.51.100.3"),  # not our proxy
        ("10.0.0.7, 10.0.0.8", "203.0.113.9, 10.0.0.8", PROXY, "203.0.113.9"),
        ("10.0.0.0/8", "10.1.1.1, 10.0.0.8", PROXY, "10.1.1.1"),  # all trusted: the leftmost
    ],
)
def test_the_client_address_is_derived_from_the_trusted_proxy_setting(
    setting, forwarded, remote, client
):
    trusted = parse_trusted_proxies(setting)
    assert derive_client_address(meta(forwarded, remote), trusted) == client
    ipaddress.ip_address(derive_client_address(meta(forwarded, remote), trusted))


def test_a_bad_trusted_proxy_setting_stops_start_up_with_a_message():
    with pytest.raises(SystemExit, match="TRUSTED_PROXIES"):
        parse_trusted_proxies("10.0.0.0/8, not-a-network")


@pytest.fixture
def behind_proxy(settings, db):
    settings.TRUSTED_PROXIES = parse_trusted_proxies("1")
    settings.COMMENTS_MODERATION = "none"


def reader(address):
    """A client whose requests reach the site through the proxy, from `address`."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}")


def test_one_client_flooding_does_not_block_commenting_for_everyone(behind_proxy, settings):
    settings.COMMENTS_FLOOD_LIMIT = 2
    post = make_post()
    flooder = reader("203.0.113.10")
    statuses = [
        flooder.post(
            comment_url(post),
            comment_data(post, client=flooder, body=f"spam {n}", author_email=f"s{n}@x.example"),
        ).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    other = reader("203.0.113.11")
    data = comment_data(post, client=other, body="Hello", author_email="kind@x.example")
    assert other.post(comment_url(post), data).status_code == 302
    assert Comment.objects.get(body="Hello").ip_address == "203.0.113.11"


def test_moderation_rules_match_the_real_client_address(behind_proxy):
    ModerationRule.objects.create(action="hold", text="203.0.113.")
    post = make_post()
    held, fine = reader("203.0.113.50"), reader("198.51.100.50")
    held.post(comment_url(post), comment_data(post, client=held, body="one"))
    fine.post(comment_url(post), comment_data(post, client=fine, body="two"))
    assert dict(Comment.objects.values_list("body", "status")) == {
        "one": "pending",
        "two": "approved",
    }


def login(client, password):
    return client.post(
        "/admin/login/", {"username": "boss", "password": password, "next": "/admin/"}
    )


def test_the_login_lockout_blocks_the_attacker_not_the_real_user(behind_proxy, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user(username="boss", password="the-right-password-42", is_staff=True)
    attacker = reader("203.0.113.66")
    for _ in range(5):
        login(attacker, "wrong")
    assert login(attacker, "the-right-password-42").status_code == 429
    # The real user, through the same proxy from their own address, is not locked out.
    assert login(reader("198.51.100.8"), "the-right-password-42").status_code == 302


def test_a_spoofed_forwarded_header_cannot_dodge_the_lockout(behind_proxy, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user(username="boss", password="the-right-password-42", is_staff=True)
    for number in range(5):
        spoofing = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.66")
        login(spoofing, "wrong")
    assert login(reader("203.0.113.66"), "the-right-password-42").status_code == 429
