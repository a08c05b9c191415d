"""Operations: health checks, Prometheus metrics, graceful shutdown (served by ops.asgi)."""
