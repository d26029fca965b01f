"""safefetch refuses to be aimed at this machine or its network, against a real local server."""

import socket
import time

import pytest

from safefetch import FetchRefused, fetch
from tests.local_site import Answer


def refusal(url, **options):
    with pytest.raises(FetchRefused) as caught:
        fetch(url, **options)
    return str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ],
)
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_refused(url):
    assert "is a private or reserved address" in refusal(url, timeout=1)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 80))])
    assert refusal("http://intranet.example/") == (
        "intranet.example is a private or reserved address (10.0.0.5)."
    )


def test_the_connection_goes_to_the_address_checked_not_a_second_lookup(local_site, monkeypatch):
    """DNS rebinding: a name that answers a public address, then a private one, is asked once."""
    local_site.routes["/"] = Answer(body="hello")
    real_lookup, answers = socket.getaddrinfo, []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":  # (the address itself, looked up by create_connection)
            return real_lookup(host, port, *args, **kwargs)
        answers.append(host)
        address = "127.0.0.1" if len(answers) == 1 else "10.0.0.5"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    response = fetch(f"http://rebind.example:{local_site.port}/")
    assert response.content == b"hello"
    assert answers == ["rebind.example"]
    assert local_site.requests[0].headers["Host"] == f"rebind.example:{local_site.port}"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.com/", "http:///x"]
)
def test_only_http_and_https_addresses_are_fetched(url):
    assert refusal(url).startswith(("Not an http or https address", "Not a valid address"))


def test_a_redirect_to_a_private_address_is_refused_before_asking_it(local_site):
    # 127.0.0.2 is this machine too, but not among the allowed networks.
    local_site.routes["/moved"] = Answer(302, headers=[("Location", "http://127.0.0.2:1/")])
    assert refusal(local_site.url("/moved")) == (
        "127.0.0.2 is a private or reserved address (127.0.0.2)."
    )
    local_site.routes["/metadata"] = Answer(
        301, headers=[("Location", "http://169.254.169.254/latest/meta-data/")]
    )
    assert "169.254.169.254" in refusal(local_site.url("/metadata"))


def test_a_redirect_to_another_scheme_is_refused(local_site):
    local_site.routes["/file"] = Answer(302, headers=[("Location", "file:///etc/passwd")])
    assert refusal(local_site.url("/file")).startswith("Redirected to file:///etc/passwd")


def test_redirects_are_bounded(local_site):
    local_site.routes["/loop"] = Answer(302, headers=[("Location", "/loop")])
    assert refusal(local_site.url("/loop"), max_redirects=2) == "More than 2 redirects."
    assert len(local_site.requests) == 3


def test_an_allowed_address_is_fetched_with_status_headers_and_body(local_site):
    local_site.routes["/page"] = Answer(410, "gone", headers=[("Link", "<a>"), ("Link", "<b>")])
    response = fetch(local_site.url("/page"))
    assert (response.status, response.text) == (410, "gone")
    assert response.headers.get_all("Link") == ["<a>", "<b>"]


def test_an_over_size_body_is_refused(local_site):
    local_site.routes["/big"] = Answer(body=b"x" * 5000)
    assert refusal(local_site.url("/big"), max_bytes=4096) == "Larger than 4,096 bytes."


def test_a_slow_server_is_cut_off_at_the_timeout(local_site):
    local_site.routes["/slow"] = Answer(body=b"x" * 100, trickle=0.05)
    started = time.monotonic()
    assert refusal(local_site.url("/slow"), timeout=0.5) == "No complete answer within 0.5 s."
    assert time.monotonic() - started < 2


def test_a_post_is_form_encoded_and_a_303_turns_it_into_a_get(local_site):
    local_site.routes["/endpoint"] = Answer(303, headers=[("Location", "/done")])
    local_site.routes["/done"] = Answer(body="ok")
    response = fetch(local_site.url("/endpoint"), data={"source": "a b", "target": "c"})
    assert response.text == "ok"
    first, second = local_site.requests
    assert (first.method, first.form) == ("POST", {"source": "a b", "target": "c"})
    assert second.method == "GET"


def test_https_goes_to_the_checked_address_and_verifies_the_certificate(local_site):
    # The local server speaks plain HTTP: the TLS handshake (made on the pinned address) fails.
    url = f"https://127.0.0.1:{local_site.port}/"
    assert refusal(url).startswith("TLS with 127.0.0.1 failed: ")
