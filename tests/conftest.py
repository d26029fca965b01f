import pytest
from django.core.cache import cache

import pagecache


@pytest.fixture(autouse=True)
def fast_and_isolated(settings, tmp_path):
    """A fast password hasher, a throw-away media folder and an empty cache for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def retirements_at_once(request, monkeypatch):
    """Each test runs inside one transaction that never commits, and its requests share it: a
    retirement of the page cache, which waits for the commit on a real site, happens at once
    here. Tests of the waiting itself ask for `retirements_on_commit`."""
    if "retirements_on_commit" not in request.fixturenames:
        # (Likewise the search vectors a transaction made stale: the same once_on_commit.)
        monkeypatch.setattr(pagecache, "schedule", lambda hook: hook())


@pytest.fixture
def retirements_on_commit():
    """Retirements wait for the commit, as on a real site (see retirements_at_once)."""


@pytest.fixture
def local_site(settings):
    """Another site on 127.0.0.1 (tests/local_site.py), which safefetch may reach here."""
    from tests.local_site import LocalSite

    settings.SAFE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    site = LocalSite()
    yield site
    site.close()
