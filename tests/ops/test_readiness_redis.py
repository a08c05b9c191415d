"""/readyz follows the Redis its workers use: 503 naming it while it is down, 200 once back."""

import httpx

from tests.ops.nginx import Nginx
from tests.ops.redis_server import RedisServer


def test_readyz_names_redis_while_it_is_down(uvicorn_workers):
    with RedisServer() as own_redis:
        workers = uvicorn_workers(2, env={"REDIS_URL": own_redis.url})
        with Nginx(workers) as nginx:
            targets = [nginx.url] + [worker.url for worker in workers]
            for url in targets:
                assert httpx.get(f"{url}/readyz").status_code == 200

            own_redis.stop()
            for url in targets:
                response = httpx.get(f"{url}/readyz", timeout=10)
                assert response.status_code == 503
                assert response.json()["failing"] == ["redis"]
                assert response.json()["checks"]["redis"].startswith("failed")
                assert httpx.get(f"{url}/healthz").status_code == 200  # alive all the same

            own_redis.start()
            for url in targets:
                response = httpx.get(f"{url}/readyz")
                assert response.status_code == 200
                assert response.json()["checks"]["redis"] == "ok"
            logs = "".join(worker.output() for worker in workers)
            assert 'GET /readyz HTTP/1.1" 503' in logs  # failures are logged ...
            assert 'GET /readyz HTTP/1.1" 200' not in logs  # ... successes are not
