"""Background tasks (Django's tasks framework; `manage.py db_worker` runs them)."""

from django.tasks import task

from . import services


@task
def run_schedule(run_id: int) -> str:
    """Run the scheduler for a queued ScheduleRun; returns its final status."""
    run = services.schedule_execute(run_id=run_id)
    return run.status if run is not None else "claimed elsewhere"
