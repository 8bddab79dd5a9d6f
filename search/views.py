from django.http import JsonResponse
from django.shortcuts import render

from kb.models import Topic
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
        service.search(query, filters, page=_page_number(request), user=request.user)
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
