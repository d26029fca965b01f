import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fast_and_isolated(settings, tmp_path):
    """A fast password hasher, a throw-away media folder and an empty cache for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
