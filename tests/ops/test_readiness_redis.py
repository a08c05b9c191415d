"""/readyz follows the Redis its workers use: 503 naming it while it is down, 200 once back."""

import httpx

from tests.ops.nginx import Nginx
from tests.ops.redis_server import RedisServer
from tests.waiting import wait_until


def _readyz(url: str, status: int) -> httpx.Response | None:
    response = httpx.get(f"{url}/readyz")
    return response if response.status_code == status else None


def test_readyz_names_redis_while_it_is_down(uvicorn_workers):
    with RedisServer() as own_redis:
        workers = uvicorn_workers(2, env={"REDIS_URL": own_redis.url})
        with Nginx(workers) as nginx:
            targets = [nginx.url] + [worker.url for worker in workers]
            # A worker's first check reads the migration graph from disk, which on a loaded
            # machine can take longer than the check may: ready once it has.
            for url in targets:
                wait_until(lambda url=url: _readyz(url, 200), message=f"{url} not ready")

            own_redis.stop()
            for url in targets:
                response = httpx.get(f"{url}/readyz")
                assert response.status_code == 503
                assert response.json()["failing"] == ["redis"]
                assert response.json()["checks"]["redis"].startswith("failed")
                assert httpx.get(f"{url}/healthz").status_code == 200  # alive all the same

            own_redis.start()
            for url in targets:
                response = wait_until(lambda url=url: _readyz(url, 200), message=f"{url} not back")
                assert response.json()["checks"]["redis"] == "ok"
            logs = "".join(worker.output() for worker in workers)
            assert 'GET /readyz HTTP/1.1" 503' in logs  # failures are logged ...
            assert 'GET /readyz HTTP/1.1" 200' not in logs  # ... successes are not
