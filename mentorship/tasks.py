from celery import shared_task


@shared_task
def ping(value: str = "pong") -> str:
    """Round-trip check for workers and deployments; has no side effects."""
    return value
