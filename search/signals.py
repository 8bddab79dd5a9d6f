"""Every change that alters what the index should hold writes the outbox, in its own
transaction (see search.indexing)."""

from django.db.models.signals import post_delete
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from kb.models import EntryPage

from .indexing import enqueue


def entry_changed(sender, instance, **kwargs):
    enqueue([instance.pk])


def page_moved_with_entries(sender, instance, **kwargs):
    # Moving or renaming a topic page changes the address of every entry under it.
    enqueue(
        list(EntryPage.objects.descendant_of(instance, inclusive=True).values_list("pk", flat=True))
    )


def connect():
    for signal in (page_published, page_unpublished):
        signal.connect(entry_changed, sender=EntryPage, dispatch_uid=f"search-{signal}")
    post_delete.connect(entry_changed, sender=EntryPage, dispatch_uid="search-deleted")
    post_page_move.connect(page_moved_with_entries, dispatch_uid="search-moved")
    page_slug_changed.connect(page_moved_with_entries, dispatch_uid="search-slug-changed")
