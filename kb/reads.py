"""Reads of entries, counted in memory and written in batches: an UPDATE per page view
would make every anonymous read a database write, and writes queue behind each other."""

import atexit
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F

_lock = threading.Lock()
_pending = Counter()
_last_write = time.monotonic()


def count_read(entry_id):
    """One read of an entry; written with the others every READS_BATCH reads or
    READS_SECONDS seconds, whichever comes first."""
    global _last_write
    with _lock:
        _pending[entry_id] += 1
        due = (
            _pending.total() >= settings.READS_BATCH
            or time.monotonic() - _last_write >= settings.READS_SECONDS
        )
        if not due:
            return
        _last_write = time.monotonic()
        batch = _take_pending()
    _write(batch)


def write_pending():
    """Write the reads not yet written (at exit, so a stopped worker loses none)."""
    with _lock:
        batch = _take_pending()
    if batch:
        _write(batch)


def forget_pending():
    """For tests: reads of entries that a rolled-back test created."""
    with _lock:
        _take_pending()


def _take_pending():
    batch = dict(_pending)
    _pending.clear()
    return batch


def _write(batch):
    from .models import EntryPage

    with transaction.atomic():
        for entry_id, reads in sorted(batch.items()):
            EntryPage.objects.filter(pk=entry_id).update(view_count=F("view_count") + reads)


atexit.register(write_pending)
