"""tooling.fetch against a real local server playing an old site, sound, broken or hostile."""

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from tooling.fetch import USER_AGENT, FetchRefused, fetch


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "teal").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png_bytes()
ALLOWED = {"127.0.0.1"}


class OldSite(BaseHTTPRequestHandler):
    """Each address answers as a sound, broken or hostile server would."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("User-Agent")))
        path = unquote(urlsplit(self.path).path)
        port = self.server.server_address[1]
        if path.startswith("/pictures/"):
            return self.answer(200, {"Content-Type": "image/png"}, PNG)
        if path.startswith("/chain/"):
            hops = int(path.rsplit("/", 1)[1])
            return self.redirect(f"/chain/{hops - 1}" if hops > 1 else "/photo.png")
        routes = {
            "/photo.png": lambda: self.answer(200, {"Content-Type": "image/png"}, PNG),
            "/photo-unsized.png": lambda: self.until_close({"Content-Type": "image/png"}, PNG),
            "/photo-with-parameters.png": lambda: self.answer(
                200, {"Content-Type": "IMAGE/PNG; name=photo.png"}, PNG
            ),
            "/moved": lambda: self.redirect("/photo.png"),
            "/elsewhere": lambda: self.redirect(f"http://localhost:{port}/photo.png"),
            "/to-a-file": lambda: self.redirect("file:///etc/passwd"),
            "/loop": lambda: self.redirect("/loop"),
            "/no-location": lambda: self.answer(302, {}, b""),
            "/gone": lambda: self.answer(404, {"Content-Type": "text/html"}, b"<p>Gone</p>"),
            "/broken": lambda: self.answer(500, {"Content-Type": "text/html"}, b"<p>Oops</p>"),
            "/partial.png": lambda: self.answer(206, {"Content-Type": "image/png"}, PNG[:20]),
            "/page.html": lambda: self.answer(200, {"Content-Type": "text/html"}, b"<p>Hi</p>"),
            "/drawing.svg": lambda: self.answer(200, {"Content-Type": "image/svg+xml"}, b"<svg/>"),
            "/untyped": lambda: self.answer(200, {}, PNG),
            "/huge-declared.png": self.huge_declared,
            "/endless-until-close.png": lambda: self.until_close(
                {"Content-Type": "image/png"}, endless()
            ),
            "/endless-chunked.png": self.endless_chunked,
            "/cut-short.png": self.cut_short,
            "/trickle.png": self.trickle_body,
            "/trickle-headers.png": self.trickle_headers,
        }
        routes.get(path, lambda: self.answer(404, {}, b""))()

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.answer(302, {"Location": location}, b"")

    def until_close(self, headers, body):
        """No Content-Length: the body ends when the connection closes."""
        self.close_connection = True
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.write_quietly([body] if isinstance(body, bytes) else body)

    def huge_declared(self):
        """Says 1 GB is coming, then sends nothing: only reading the body would wait."""
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(2**30))
        self.end_headers()
        self.wfile.flush()
        self.rfile.read(1)  # returns when the client hangs up

    def endless_chunked(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.write_quietly(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in endless())

    def cut_short(self):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(PNG[:10])

    def trickle_body(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        self.write_quietly(trickled(PNG))

    def trickle_headers(self):
        self.write_quietly(trickled(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1000))

    def write_quietly(self, pieces):
        """Write until done or the client hangs up (which a refusing client does)."""
        try:
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:
            self.close_connection = True

    def log_message(self, format, *args):
        pass


def endless(piece=b"\x89" * 65536, limit=64 * 2**20):
    """64 MB in 64 KB pieces: far more than any test may read."""
    for _ in range(limit // len(piece)):
        yield piece


def trickled(data, pause=0.05):
    for byte in data:
        time.sleep(pause)
        yield bytes([byte])


class Server:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), OldSite)
        self.httpd.requests = []
        self.port = self.httpd.server_address[1]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def paths(self):
        return [path for path, _user_agent in self.httpd.requests]


@pytest.fixture(scope="module")
def running_server():
    server = Server()
    threading.Thread(target=server.httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(running_server):
    """The module's server, its log of requests emptied for each test."""
    running_server.httpd.requests.clear()
    return running_server


@pytest.fixture
def listener():
    """A listening socket nobody accepts on: connections wait in its backlog, unanswered."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.setblocking(False)
        yield sock


def refusal(url, **options):
    options.setdefault("allowed_hosts", ALLOWED)
    with pytest.raises(FetchRefused) as caught:
        fetch(url, **options)
    return str(caught.value)


def test_a_picture_on_an_allowed_host_is_fetched_with_our_user_agent(server):
    fetched = fetch(server.url("/photo.png"), allowed_hosts=ALLOWED)
    assert fetched.content == PNG
    assert fetched.content_type == "image/png"
    assert fetched.name == "photo.png"
    assert fetched.url == server.url("/photo.png")
    assert server.httpd.requests == [("/photo.png", USER_AGENT)]
    assert USER_AGENT == "blog-importer/1 (+WordPress import)"


def test_content_type_parameters_and_case_are_ignored(server):
    fetched = fetch(server.url("/photo-with-parameters.png"), allowed_hosts=ALLOWED)
    assert fetched.content_type == "image/png" and fetched.content == PNG


def test_hosts_compare_without_case_port_or_final_dot(server):
    url = f"http://LocalHost.:{server.port}/photo.png"
    assert fetch(url, allowed_hosts={"LOCALHOST"}).content == PNG


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/photo.png",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "//127.0.0.1/photo.png",
        "http:///photo.png",
        "http://127.0.0.1:port/photo.png",
    ],
)
def test_only_http_and_https_addresses_with_a_host_are_fetched(url):
    assert refusal(url).startswith(("Not an http or https address", "Not a valid address"))


def test_a_host_not_in_the_export_is_refused_without_connecting(listener):
    port = listener.getsockname()[1]
    message = refusal(f"http://127.0.0.1:{port}/photo.png", allowed_hosts={"blog.example"})
    assert message == "127.0.0.1 is not one of the export's hosts."
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody knocked


def test_the_name_is_the_unquoted_last_part_of_the_path_and_odd_characters_are_sent_quoted(
    server,
):
    for url in (
        server.url("/pictures/2014/05/caf%C3%A9%20au%20lait.png?size=full"),
        server.url("/pictures/2014/05/café au lait.png?size=full"),
    ):
        assert fetch(url, allowed_hosts=ALLOWED).name == "café au lait.png"
    assert server.paths == ["/pictures/2014/05/caf%C3%A9%20au%20lait.png?size=full"] * 2


def test_a_redirect_within_the_allowed_hosts_is_followed(server):
    fetched = fetch(server.url("/moved"), allowed_hosts=ALLOWED)
    assert fetched.content == PNG
    assert fetched.url == server.url("/photo.png") and fetched.name == "photo.png"
    assert server.paths == ["/moved", "/photo.png"]


def test_a_redirect_to_a_host_not_allowed_is_refused_before_asking_it(server):
    message = refusal(server.url("/elsewhere"))
    assert message == (
        f"Redirected to http://localhost:{server.port}/photo.png: "
        "localhost is not one of the export's hosts."
    )
    assert server.paths == ["/elsewhere"]


def test_a_redirect_to_another_scheme_is_refused(server):
    message = refusal(server.url("/to-a-file"))
    assert (
        message
        == "Redirected to file:///etc/passwd: Not an http or https address: file:///etc/passwd"
    )


def test_at_most_max_redirects_are_followed(server):
    assert fetch(server.url("/chain/3"), allowed_hosts=ALLOWED, max_redirects=3).content == PNG
    assert refusal(server.url("/chain/3"), max_redirects=2) == "More than 2 redirects."


def test_a_redirect_loop_ends_after_max_redirects(server):
    assert refusal(server.url("/loop"), max_redirects=3) == "More than 3 redirects."
    assert server.paths == ["/loop"] * 4


def test_a_redirect_without_a_location_is_refused(server):
    assert refusal(server.url("/no-location")) == "HTTP 302 without a Location."


@pytest.mark.parametrize(
    ("path", "status"), [("/gone", 404), ("/broken", 500), ("/partial.png", 206)]
)
def test_a_status_other_than_200_is_refused_with_its_code(server, path, status):
    assert refusal(server.url(path)) == f"HTTP {status}"


@pytest.mark.parametrize(
    ("path", "described"),
    [
        ("/page.html", "text/html"),
        ("/drawing.svg", "image/svg+xml"),
        ("/untyped", "no Content-Type"),
    ],
)
def test_anything_but_a_jpeg_png_gif_or_webp_is_refused(server, path, described):
    assert refusal(server.url(path)) == f"Not a picture ({described})."


@pytest.mark.parametrize("path", ["/photo.png", "/photo-unsized.png"])
def test_a_picture_of_max_bytes_is_fetched_and_one_byte_more_is_refused(server, path):
    assert fetch(server.url(path), allowed_hosts=ALLOWED, max_bytes=len(PNG)).content == PNG
    assert refusal(server.url(path), max_bytes=len(PNG) - 1) == f"Larger than {len(PNG) - 1} bytes."


def test_a_declared_length_over_the_limit_is_refused_before_reading_the_body(server):
    started = time.monotonic()
    assert refusal(server.url("/huge-declared.png"), timeout=2) == "Larger than 20 MB."
    assert time.monotonic() - started < 1  # the body, never sent, was not waited for


@pytest.mark.parametrize("path", ["/endless-until-close.png", "/endless-chunked.png"])
def test_a_body_without_a_length_is_cut_off_as_soon_as_it_passes_the_limit(server, path):
    started = time.monotonic()
    assert refusal(server.url(path), max_bytes=100_000) == "Larger than 100,000 bytes."
    assert time.monotonic() - started < 1  # 64 MB on offer; a few pieces read


def test_a_body_cut_short_is_refused(server):
    assert refusal(server.url("/cut-short.png")) == "Cut short: 10 of 1,000 bytes arrived."


@pytest.mark.slow  # waits out real timeouts
@pytest.mark.parametrize("path", ["/trickle.png", "/trickle-headers.png"])
def test_a_server_trickling_bytes_is_cut_off_at_the_total_timeout(server, path):
    started = time.monotonic()
    assert refusal(server.url(path), timeout=0.5) == "No complete answer within 0.5 s."
    assert 0.4 < time.monotonic() - started < 2  # each byte came in time; the whole did not


@pytest.mark.slow  # waits out real timeouts
def test_a_server_that_never_answers_is_cut_off_at_the_timeout(listener):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/photo.png"
    started = time.monotonic()
    assert refusal(url, timeout=0.3) == "No complete answer within 0.3 s."
    assert time.monotonic() - started < 1


def test_a_refused_connection_is_a_refusal():
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    message = refusal(f"http://127.0.0.1:{port}/photo.png")
    assert message == "Cannot connect to 127.0.0.1: Connection refused."


def test_a_host_that_does_not_resolve_is_a_refusal(monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    message = refusal("https://old.example/photo.png", allowed_hosts={"old.example"})
    assert message == "Cannot find old.example."


def test_a_tls_failure_is_a_refusal(server):
    url = f"https://127.0.0.1:{server.port}/photo.png"  # the server speaks plain HTTP
    assert refusal(url).startswith("TLS with 127.0.0.1 failed: ")
