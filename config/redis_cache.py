"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's backend builds a new `redis.Redis` for every cache call, and building one copies its
~170 response callbacks: a third of a millisecond of CPU per call, several calls per page view.
A client is safe to share between threads (each command borrows a connection from the pool), and
a process forked after the client was made gets fresh connections from redis-py's pool.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # two threads may both make one: harmless, the last one stays
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
