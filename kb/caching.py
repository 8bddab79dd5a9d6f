"""Cache of anonymous public pages, invalidated as soon as published content changes."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import get_language

PAGE_TIMEOUT = 600


def generation():
    from .models import PublishedGeneration

    return PublishedGeneration.objects.values_list("value", flat=True).first() or 0


def invalidate(**kwargs):
    """Called after publish, unpublish, re-validation flags and taxonomy edits."""
    from .models import PublishedGeneration

    def bump():
        if not PublishedGeneration.objects.filter(pk=1).update(value=F("value") + 1):
            PublishedGeneration.objects.get_or_create(pk=1, defaults={"value": 1})

    transaction.on_commit(bump)


def _cacheable(request):
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not getattr(request, "is_preview", False)
    )


class CachedPageMixin:
    """For Wagtail pages: anonymous GETs without parameters are served from the cache."""

    def serve(self, request, *args, **kwargs):
        if not _cacheable(request):
            return super().serve(request, *args, **kwargs)
        key = f"page:{generation()}:{get_language()}:{request.path}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = super().serve(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
        if response.status_code == 200:
            cache.set(key, response.content, PAGE_TIMEOUT)
        return response
