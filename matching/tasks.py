from celery import shared_task

from matching import services


@shared_task(acks_late=True)
def execute_matching_run(run_id: int) -> None:
    """Run the engine for a queued run.

    Idempotent: services.run_execute claims the run with a conditional update
    (queued → running), so a redelivered message finds nothing to do. Not retried:
    a failed run records its error and the committee starts a new one.
    """
    services.run_execute(run_id=run_id)
