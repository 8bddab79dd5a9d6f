from django_tasks import task

from . import indexing


@task()
def drain_index_outbox():
    """Apply pending index updates; those that fail stay for a later run."""
    return indexing.drain_all()
