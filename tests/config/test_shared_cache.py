"""Several processes, one truth: with the default settings (no Redis) gunicorn's workers and a
management command share one cache, so a page retired by any of them is retired for all."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow

CREATE = """
from blog.models import Post
from tests.factories import make_post
post = make_post(title="Shared truth", path="/diary")
print(post.get_absolute_url())
"""
UNPUBLISH = """
from blog.models import Post
post = Post.objects.get(title="Shared truth")
post.status = Post.Status.DRAFT
post.save()
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *arguments):
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def status_and_text(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.fixture
def site(tmp_path):
    """A site served by three gunicorn workers over its own SQLite file and default cache."""
    env = {
        **os.environ,
        "SECRET_KEY": "shared-cache-test",
        "DJANGO_HTTPS": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "CACHE_DIR": str(tmp_path / "cache"),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    for name in ("REDIS_URL", "PYTEST_XDIST_WORKER", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    manage(env, "migrate", "-v0")
    port = free_port()
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield env, base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_post_unpublished_by_a_command_vanishes_from_every_worker_at_once(site):
    env, base = site
    url = base + manage(env, "shell", "-v0", "-c", CREATE)
    seen = [status_and_text(url)[0] for _ in range(15)] + [
        "Shared truth" in status_and_text(base + "/")[1] for _ in range(15)
    ]
    assert seen == [200] * 15 + [True] * 15  # every worker has it, most from the cache
    manage(env, "shell", "-v0", "-c", UNPUBLISH)
    after = [status_and_text(url)[0] for _ in range(15)] + [
        "Shared truth" in status_and_text(base + "/")[1] for _ in range(15)
    ]
    assert after == [404] * 15 + [False] * 15


def test_the_default_cache_is_one_every_process_shares(tmp_path):
    env = {**os.environ, "SECRET_KEY": "x", "CACHE_DIR": str(tmp_path / "cache")}
    env.pop("REDIS_URL", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    manage(
        env, "shell", "-v0", "-c", "from django.core.cache import cache; cache.set('k', 'v', 60)"
    )
    read = "from django.core.cache import cache; import json; print(json.dumps(cache.get('k')))"
    assert json.loads(manage(env, "shell", "-v0", "-c", read)) == "v"
