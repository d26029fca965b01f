"""The Redis cache keeps one client per connection pool (Django's makes one per operation)."""

import os

import pytest

from config.cache import RedisCache


def test_the_redis_cache_makes_its_client_once():
    cache = RedisCache("redis://127.0.0.1:6379/13", {})
    first = cache._cache.get_client()
    assert cache._cache.get_client("a key", write=True) is first


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the CI's PostgreSQL run)"
)
def test_the_reused_client_reads_and_writes():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "client-reuse-test"})
    cache.set("greeting", "καλημέρα 🌅", 30)
    assert cache.get_many(["greeting", "absent"]) == {"greeting": "καλημέρα 🌅"}
    cache.delete("greeting-count")
    assert cache.add("greeting-count", 1, 30)
    assert cache.incr("greeting-count") == 2
    cache.delete_many(["greeting", "greeting-count"])


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the CI's PostgreSQL run)"
)
def test_add_many_stores_only_the_keys_not_there_in_one_round_trip():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "add-many-test"})
    cache.delete_many(["kept", "new", "also new"])
    cache.set("kept", "first", 30)
    assert sorted(cache.add_many({"kept": "second", "new": 1, "also new": "νέο"})) == [
        "also new",
        "new",
    ]
    assert cache.get_many(["kept", "new", "also new"]) == {
        "kept": "first",
        "new": 1,
        "also new": "νέο",
    }
    cache.delete_many(["kept", "new", "also new"])
