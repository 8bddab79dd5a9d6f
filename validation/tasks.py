from django_tasks import task

from .freshness import run_daily


@task()
def daily():
    """The daily job, for a task queue (the management command runs the same)."""
    report = run_daily()
    return {"flagged": len(report.flagged), "reminded": report.reminded_authorities}
