from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from .caching import invalidate


def connect():
    from validation.models import Authority

    from .models import GlossaryTerm, Topic

    page_published.connect(invalidate, dispatch_uid="kb-cache-published")
    page_unpublished.connect(invalidate, dispatch_uid="kb-cache-unpublished")
    for model in (GlossaryTerm, Topic, Authority):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"kb-cache-save-{model.__name__}")
        post_delete.connect(
            invalidate, sender=model, dispatch_uid=f"kb-cache-delete-{model.__name__}"
        )
