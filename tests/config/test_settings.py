import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # subprocesses or whole-site sweeps: make test-fast leaves them out

PRINT_SETTINGS = (
    "import json, config.settings as s; "
    "print(json.dumps({'db': s.DATABASES['default'], 'cache': s.CACHES['default'], "
    "'debug': s.DEBUG, 'email': s.EMAIL_BACKEND, 'hosts': s.ALLOWED_HOSTS}, default=str))"
)


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DJANGO_DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_URL",
            "ALLOWED_HOSTS",
            "PYTEST_XDIST_WORKER",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_with_debug_off_stops_with_a_clear_message():
    result = load_settings()
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is True


def test_debug_is_off_unless_asked_for():
    assert json.loads(load_settings(SECRET_KEY="x" * 50).stdout)["debug"] is False


def test_without_database_url_sqlite_in_var_is_used():
    values = json.loads(load_settings(SECRET_KEY="x" * 50).stdout)
    assert values["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["db"]["NAME"].endswith("var/blog.sqlite3")


def test_database_url_is_honoured():
    result = load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="postgres://blog:pw@db.example:5433/blogdb"
    )
    db = json.loads(result.stdout)["db"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"], db["USER"]) == (
        "blogdb",
        "db.example",
        5433,
        "blog",
    )
    assert db["CONN_HEALTH_CHECKS"] is True and db["CONN_MAX_AGE"] > 0


def test_redis_url_switches_the_cache_to_redis():
    cache = json.loads(
        load_settings(SECRET_KEY="x" * 50, REDIS_URL="redis://127.0.0.1:6379/3").stdout
    )["cache"]
    assert cache["BACKEND"] == "config.cache.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_a_cache_on_disk_shared_by_every_process_by_default():
    cache = json.loads(load_settings(SECRET_KEY="x" * 50).stdout)["cache"]
    assert cache["BACKEND"] == "diskcache.DjangoCache"
    assert cache["LOCATION"].endswith("var/cache")


def test_email_url_selects_smtp_and_console_is_the_default():
    assert json.loads(load_settings(SECRET_KEY="x" * 50).stdout)["email"].endswith(
        "console.EmailBackend"
    )
    smtp = load_settings(SECRET_KEY="x" * 50, EMAIL_URL="smtp://u:p@mail.example:587?tls=1")
    assert json.loads(smtp.stdout)["email"].endswith("smtp.EmailBackend")


def test_allowed_hosts_come_from_the_environment():
    values = json.loads(
        load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="blog.example, www.blog.example").stdout
    )
    assert values["hosts"] == ["blog.example", "www.blog.example"]


def test_parallel_test_workers_each_get_their_own_redis_database():
    from config.settings import redis_location

    assert redis_location("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redis_location("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/1"
    assert redis_location("redis://h:6379", "gw1") == "redis://h:6379/2"
