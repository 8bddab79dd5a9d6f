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
    result = service.search(query, filters, page=_page_number(request)) if query else None
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
