"""Cache of anonymous public pages, invalidated as soon as published content changes."""

import threading
from functools import partial, wraps
from types import SimpleNamespace

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import get_language

from .reads import count_read

PAGE_TIMEOUT = 600
_local = threading.local()


def generation():
    from .models import PublishedGeneration

    return PublishedGeneration.objects.values_list("value", flat=True).first() or 0


_kept_per_generation = []


def per_generation(build):
    """Decorator: keep `build()`'s result in this process until published content changes.
    For what every search reads; process memory, so nothing is unpickled per request."""
    kept = {}
    _kept_per_generation.append(kept)

    @wraps(build)
    def current():
        now = generation()
        if now not in kept:
            kept.clear()
            kept[now] = build()
        return kept[now]

    return current


def forget_per_generation():
    """For tests: their rolled-back transactions take the generation number back."""
    for kept in _kept_per_generation:
        kept.clear()


def _bump(pending):
    from .models import PublishedGeneration

    if pending.done:
        return
    pending.done = True
    if not PublishedGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PublishedGeneration.objects.get_or_create(pk=1, defaults={"value": 1})


def invalidate(**kwargs):
    """Called after publish, unpublish, re-validation flags and taxonomy edits."""
    # Every call queues a hook, but the hooks queued until one runs share one bump: an
    # import publishing thousands of entries bumps once. A rollback drops its hooks
    # without marking the bump done, so the next transaction's hook still bumps.
    pending = getattr(_local, "pending", None)
    if pending is None or pending.done:
        pending = _local.pending = SimpleNamespace(done=False)
    transaction.on_commit(partial(_bump, pending))


def _cacheable(request):
    return (
        request.method == "GET"
        and not request.GET
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not getattr(request, "is_preview", False)
    )


def _page_key(request):
    return f"page:{generation()}:{get_language()}:{request.path}"


class CachedPageMixin:
    """For Wagtail pages: PageCacheMiddleware keeps what anonymous readers get."""

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        response.cacheable_page = True
        return response


class PageCacheMiddleware:
    """Anonymous GETs without parameters of a page with CachedPageMixin are answered from
    the cache before Wagtail routes them (routing and privacy checks cost four queries).
    An entry's read is still counted. Last in MIDDLEWARE: it needs the language and user."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Paths seen to be pages in this process: other paths skip the generation query.
        self.page_paths = set()

    def __call__(self, request):
        if not _cacheable(request):
            return self.get_response(request)
        key = None
        if request.path in self.page_paths:
            key = _page_key(request)
            cached = cache.get(key)
            if cached is not None:
                content, read_entry = cached
                if read_entry:
                    count_read(read_entry)
                return HttpResponse(content)
        response = self.get_response(request)
        if getattr(response, "cacheable_page", False) and response.status_code == 200:
            if hasattr(response, "render"):
                response.render()
            self.page_paths.add(request.path)
            key = key or _page_key(request)
            cache.set(key, (response.content, getattr(response, "read_entry", None)), PAGE_TIMEOUT)
        return response
