"""Keeping the Elasticsearch index right: the outbox of pending updates, its drain, and the
rebuild / sync / status behind `manage.py search_index`."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from elasticsearch.helpers import BulkIndexError, bulk, scan

from kb.models import EntryPage

from . import elastic
from .documents import (
    EntryDocument,
    alias_name,
    create_index,
    glossary_terms,
    indexable_entries,
    indices_behind_alias,
    point_alias,
    profile_of,
    version_of,
)
from .models import PendingIndexUpdate

logger = logging.getLogger(__name__)

BATCH = 500
SHORT_BATCH = 10
# Bulk work may take longer than a reader's search is allowed to.
BULK_TIMEOUT = 120


def uses_elasticsearch():
    return settings.SEARCH_ENGINE == "elasticsearch"


def enqueue(entry_ids):
    """Record that these entries changed, in the caller's transaction; drain after commit."""
    if not uses_elasticsearch() or not entry_ids:
        return
    PendingIndexUpdate.objects.bulk_create(
        PendingIndexUpdate(entry_id=entry_id) for entry_id in entry_ids
    )
    transaction.on_commit(schedule_drain)


def schedule_drain():
    from .tasks import drain_index_outbox

    drain_index_outbox.enqueue()


def _bulk_client():
    return elastic.client().options(request_timeout=BULK_TIMEOUT)


def _actions(entries, index_name, glossary):
    for entry in entries:
        document = EntryDocument.from_entry(entry, glossary)
        yield document.to_dict(include_meta=True, skip_empty=False) | {"_index": index_name}


def _write(entry_ids, index_name, client=None):
    """Index the given entries that are publishable, delete the others. Returns (indexed,
    deleted)."""
    entries = list(indexable_entries().filter(pk__in=entry_ids))
    gone = set(entry_ids) - {entry.pk for entry in entries}
    actions = list(_actions(entries, index_name, glossary_terms()))
    actions += [{"_op_type": "delete", "_index": index_name, "_id": pk} for pk in gone]
    try:
        # Never let a write create an index with guessed mappings: the alias must exist.
        # Refreshed at once, so a published entry is findable when the expert looks.
        bulk(client or _bulk_client(), actions, refresh=True, require_alias=True)
    except BulkIndexError as error:
        # Deleting what is not there is fine; anything else is a real failure.
        real = [e for e in error.errors if e.get("delete", {}).get("status") != 404]
        if real:
            raise
    return len(entries), len(gone)


def retry_now():
    """Elasticsearch is back: apply the pending updates without waiting for their delay."""
    PendingIndexUpdate.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=None)
    schedule_drain()


def drain(limit=BATCH):
    """Apply the pending updates that are due. On failure they stay, to be retried later
    with a growing delay; nothing is lost. Returns the number applied."""
    if not elastic.is_available():
        return 0
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    pending = list(PendingIndexUpdate.objects.filter(due).order_by("pk")[:limit])
    if not pending:
        return 0
    ids = sorted({row.entry_id for row in pending})
    try:
        ensure_index()
        # A publication gets the reader's short timeout (with the immediate task backend an
        # expert waits); an import's batches get the bulk one, or each would time out and
        # leave readers on the fallback for ELASTICSEARCH_RETRY_SECONDS.
        client = elastic.client() if len(ids) <= SHORT_BATCH else _bulk_client()
        _write(ids, alias_name(), client)
    except (*elastic.UNAVAILABLE, BulkIndexError) as error:
        if not isinstance(error, BulkIndexError):
            elastic.mark_unavailable(error)
        for row in pending:
            row.attempts += 1
            row.next_attempt_at = now + datetime.timedelta(minutes=min(2**row.attempts, 60))
            row.last_error = str(error)[:1000]
        PendingIndexUpdate.objects.bulk_update(
            pending, ["attempts", "next_attempt_at", "last_error"]
        )
        return 0
    PendingIndexUpdate.objects.filter(pk__in=[row.pk for row in pending]).delete()
    return len(pending)


def drain_all():
    """Drain until nothing is due (for the command line)."""
    total = 0
    while applied := drain():
        total += applied
    return total


def ensure_index():
    """Create the first index and point the alias at it, if there is none yet."""
    client = _bulk_client()  # creating an index can take longer than a search may
    if indices_behind_alias(client):
        return False
    point_alias(client, create_index(client))
    return True


def rebuild():
    """Fill a new index from the database, then swap the alias: searches keep using the old
    index until the swap. Changes made meanwhile reach the old index through the outbox;
    the sync afterwards carries them over. Returns the new index name and its size."""
    client = _bulk_client()
    name = create_index(client)
    glossary = glossary_terms()
    count = 0
    entries = indexable_entries()
    for start in range(0, entries.count(), BATCH):
        batch = list(entries[start : start + BATCH])
        bulk(client, _actions(batch, name, glossary))
        count += len(batch)
    client.indices.refresh(index=name)
    # No search lasts longer than the client's timeout.
    point_alias(client, name, grace=settings.ELASTICSEARCH_TIMEOUT + 1)
    sync()
    return name, count


def indexed_versions():
    """{entry id: version} of every document in the index."""
    return {
        int(doc["_id"]): doc["_source"].get("version")
        for doc in scan(_bulk_client(), index=alias_name(), _source=["version"])
    }


def sync():
    """Compare the database with the index and fix the difference. Returns (written,
    deleted)."""
    in_index = indexed_versions()
    wanted = {
        pk: version_of(revision_id, url_path)
        for pk, revision_id, url_path in EntryPage.objects.live()
        .public()
        .values_list("pk", "live_revision_id", "url_path")
    }
    stale = [pk for pk, version in wanted.items() if in_index.get(pk) != version]
    extra = [pk for pk in in_index if pk not in wanted]
    written = deleted = 0
    for start in range(0, len(stale) + len(extra), BATCH):
        chunk = (stale + extra)[start : start + BATCH]
        indexed, gone = _write(chunk, alias_name())
        written += indexed
        deleted += gone
    return written, deleted


def status():
    """What `search_index --status` prints."""
    figures = {
        "engine": settings.SEARCH_ENGINE,
        "pending": PendingIndexUpdate.objects.count(),
        "failing": PendingIndexUpdate.objects.filter(attempts__gt=0).count(),
        "alias": alias_name(),
    }
    client = elastic.client()
    names = indices_behind_alias(client)
    if names:
        figures["index"] = names[0]
        figures["documents"] = client.count(index=alias_name())["count"]
        figures["profile"] = profile_of(client, names[0])
    return figures
