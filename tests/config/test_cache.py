"""The cache: Django's Redis backend keeps one client per connection pool (Django's makes one per
operation), and the page cache gives many keys their versions at once, storing each only where
none is. The last two run on the configured cache: Redis in CI's PostgreSQL pass, the shared disk
cache in the SQLite pass."""

from django.core.cache import cache

import pagecache
from config.cache import RedisCache


def test_the_redis_cache_makes_its_client_once():
    redis_cache = RedisCache("redis://127.0.0.1:6379/13", {})
    first = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client("a key", write=True) is first


def test_the_configured_cache_reads_and_writes_any_text():
    cache.set("greeting", "καλημέρα 🌅 你好 مرحبا", 30)
    assert cache.get_many(["greeting", "absent"]) == {"greeting": "καλημέρα 🌅 你好 مرحبا"}
    cache.delete("greeting-count")
    assert cache.add("greeting-count", 1, 30)
    assert cache.incr("greeting-count") == 2
    cache.delete_many(["greeting", "greeting-count"])


def test_keys_get_a_version_only_where_none_is_and_a_retired_one_stays():
    token = "test-versions"
    retired = pagecache.version_key(token, "post:1")
    cache.delete_many([retired, pagecache.version_key(token, "post:2")])
    cache.set(retired, 9, 30)  # retired by a change after the request began (number 5)
    assert pagecache.give_versions(token, 5, {"post:1", "post:2"}) is False
    assert cache.get(retired) == 9  # not overwritten
    assert cache.get(pagecache.version_key(token, "post:2")) == 5
    assert pagecache.give_versions(token, 5, {"post:2", "post:3"}) is True
    assert cache.get(pagecache.version_key(token, "post:3")) == 5


def test_a_retirement_landing_between_the_read_and_the_write_is_not_overwritten(monkeypatch):
    token = "test-versions-race"
    retired = pagecache.version_key(token, "post:1")
    cache.set(retired, 9, 30)  # a change committed just after the versions were read
    monkeypatch.setattr(pagecache.cache, "get_many", lambda names: {})  # read before it
    pagecache.give_versions(token, 5, {"post:1", "post:2"})
    monkeypatch.undo()
    assert cache.get(retired) == 9
    assert cache.get(pagecache.version_key(token, "post:2")) == 5
