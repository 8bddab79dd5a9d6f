from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import roles_required
from accounts.roles import EDITOR
from kb.models import EntryPage, Topic
from validation.models import Authority

from . import service


def _page_number(request):
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def search_page(request):
    query = service.normalise_query(request.GET.get("q", ""))
    filters = {name: request.GET.get(name, "") for name in service.FILTERS}
    result = (
        service.search(query, filters, page=_page_number(request), user=request.user, log="page")
        if query
        else None
    )
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "filters": filters,
            "result": result,
            "topics": Topic.objects.all(),
            "authorities": Authority.objects.all(),
        },
    )


def similar_api(request):
    """Entries that may already answer the text an operator is typing."""
    text = request.GET.get("text", "")[:2000]
    hits = service.similar(text, user=request.user)
    return JsonResponse(
        {
            "results": [
                {
                    "id": hit.id,
                    "title": hit.title,
                    "url": hit.url,
                    "authority": hit.authority,
                    "validated_at": hit.validated_at.isoformat() if hit.validated_at else None,
                }
                for hit in hits
            ]
        }
    )


def _positive_int(request, name, default, maximum=None):
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum and int(raw) > maximum):
        limit = f" e {maximum}" if maximum else ""
        raise ValueError(f"«{name}» deve essere un numero intero tra 1{limit}.")
    return int(raw)


def search_api(request):
    """GET /api/search/ — the stable JSON interface of DESIGN.md."""
    try:
        page = _positive_int(request, "page", 1, maximum=10_000)
        page_size = _positive_int(request, "page_size", 10, maximum=service.MAX_PAGE_SIZE)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    filters = {name: request.GET.get(name, "") for name in service.FILTERS}
    result = service.search(
        request.GET.get("q", ""), filters, page, page_size, user=request.user, log="api"
    )
    return JsonResponse(
        {
            "query": result.query,
            "engine": result.engine,
            "total": result.total,
            "results": [
                {
                    "id": hit.id,
                    "external_id": hit.external_id,
                    "title": hit.title,
                    "url": request.build_absolute_uri(hit.url),
                    "snippet": hit.snippet,
                    "topic": hit.topic,
                    "authority": hit.authority,
                    "validated_at": hit.validated_at.isoformat() if hit.validated_at else None,
                    "score": hit.score,
                }
                for hit in result.hits
            ],
            "facets": result.facets,
            "suggestion": result.suggestion or None,
        }
    )


def open_result(request, log_id, entry_id):
    """Result links of the search page pass here, so the log knows which searches led to a
    reading; then the reader goes on to the entry."""
    entry = get_object_or_404(EntryPage.objects.visible_to(request.user), pk=entry_id)
    service.record_opened(log_id)
    return redirect(entry.url)


@roles_required(EDITOR)
def query_report(request):
    return render(
        request,
        "search/admin/query_report.html",
        {
            "page_title": _("Ricerche dei lettori"),
            "header_icon": "search",
            "report": service.query_report(),
        },
    )
