"""Backup and restore as docs/deploy.md says: pg_dump → pg_restore into an empty database (or,
for the embedded SQLite default, SQLite's online backup into a new file) → the same pages."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path as FilePath

import pytest
from django.db import connection

pytestmark = pytest.mark.slow  # subprocesses or whole-site sweeps: make test-fast leaves them out

HERE = FilePath(__file__).resolve().parent
GENERATE = [
    "generate_content",
    "--posts",
    "60",
    "--comments",
    "120",
    "--galleries",
    "0",
    "--workers",
    "1",
]


def run(*command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def site_env(database_url=None):
    """The environment of a separate site process (its own database, no shared cache)."""
    env = {**os.environ, "SECRET_KEY": "backup-test", "DJANGO_HTTPS": "0"}
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def fill(env):
    run(sys.executable, "manage.py", "migrate", "-v0", env=env)
    run(sys.executable, "manage.py", *GENERATE, env=env)


def pages_of(env):
    return json.loads(run(sys.executable, str(HERE / "render_pages.py"), env=env))


def assert_same_pages(before, after):
    assert len(before) >= 10 and all(status == 200 for status, _html in before.values())
    assert after == before


def test_a_backup_restored_into_an_empty_database_serves_the_same_pages(tmp_path):
    if connection.vendor == "sqlite":
        backup_and_restore_sqlite(tmp_path)
    else:
        backup_and_restore_postgresql(tmp_path)


def backup_and_restore_postgresql(tmp_path):
    assert shutil.which("pg_dump"), "pg_dump (postgresql-client) is needed for this test"
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    server = f"postgres://{settings['USER']}@{host}:{port}"
    env = site_env()
    for name in ("blog_backup_source", "blog_backup_restored"):
        run("psql", f"{server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}", env=env)
        run("psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {name}", env=env)
    source = site_env(f"{server}/blog_backup_source")
    fill(source)
    dump = tmp_path / "blog.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", f"{server}/blog_backup_source", env=env)
    run("pg_restore", "--no-owner", f"--dbname={server}/blog_backup_restored", str(dump), env=env)
    assert_same_pages(pages_of(source), pages_of(site_env(f"{server}/blog_backup_restored")))


def backup_and_restore_sqlite(tmp_path):
    """The embedded default: SQLite's online backup of the live file into a new one."""
    original, copy = tmp_path / "blog.sqlite3", tmp_path / "restored.sqlite3"
    source = site_env(f"sqlite:///{original}")
    fill(source)
    with sqlite3.connect(original) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    assert_same_pages(pages_of(source), pages_of(site_env(f"sqlite:///{copy}")))
