"""Django's Redis cache with one client per connection pool.

Django's backend makes a new `redis.Redis` for every cache operation (its table of about 200
response callbacks included: 0.1 to 0.3 ms each); a page reads the cache ten times or more. A
client is safe to share between calls and threads (each command takes a connection from the
pool), and the pool reconnects after a fork, so one client per pool is kept instead. And
`add_many`: many add() in one round trip (the page cache gives a page's keys their versions).
"""

from django.core.cache.backends import redis


class ReusedClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def add_many(self, data, timeout=None):
        """add() for each key of `data` (each stored only where none is) in one round trip: a
        pipeline of SET NX. Returns the keys stored."""
        client = self._cache.get_client(write=True)
        pipe = client.pipeline(transaction=False)
        expiry = self.get_backend_timeout(timeout)
        names = list(data)
        for key in names:
            value = self._cache._serializer.dumps(data[key])
            pipe.set(self.make_and_validate_key(key), value, ex=expiry, nx=True)
        return [key for key, stored in zip(names, pipe.execute(), strict=True) if stored]
