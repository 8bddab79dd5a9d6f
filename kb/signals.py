from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .caching import invalidate


def entry_moved(sender, instance, parent_page_after, **kwargs):
    """An entry's topic is the one of the topic page it now lives under."""
    from .models import EntryPage, TopicPage

    topic = TopicPage.objects.filter(pk=parent_page_after.pk).values_list("topic_id", flat=True)
    if topic:
        EntryPage.objects.filter(pk=instance.pk).update(topic_id=topic[0])


def connect():
    from validation.models import Authority

    from .models import EntryPage, GlossaryTerm, Topic

    post_page_move.connect(entry_moved, sender=EntryPage, dispatch_uid="kb-entry-moved")

    page_published.connect(invalidate, dispatch_uid="kb-cache-published")
    page_unpublished.connect(invalidate, dispatch_uid="kb-cache-unpublished")
    post_page_move.connect(invalidate, dispatch_uid="kb-cache-moved")
    for model in (GlossaryTerm, Topic, Authority, PageViewRestriction):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kb-cache-save-{model.__name__}")
        post_delete.connect(
            invalidate, sender=model, dispatch_uid=f"kb-cache-delete-{model.__name__}"
        )
