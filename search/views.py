import re
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from accounts.decorators import roles_required
from accounts.roles import EDITOR
from kb.models import EntryPage, Topic, TopicPage
from questions.services import can_ask
from validation.models import Authority

from . import service
from .text import keywords

# Deeper pages are refused: nobody reads them, and Elasticsearch limits offsets to 10,000.
MAX_PAGE = 1000
FILTER_LABELS = {
    "topic": gettext_lazy("Tema"),
    "authority": gettext_lazy("Ente competente"),
    "tag": gettext_lazy("Etichetta"),
    "year": gettext_lazy("Anno di validazione"),
}
FILTER_MODELS = {"topic": Topic, "authority": Authority, "tag": Tag}
SLUG = re.compile(r"[-\w]+")


def _page_number(request):
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def _chosen_filters(request):
    """The filters of the URL that name something that exists, and their labels; unknown
    values are ignored."""
    filters = service.clean_filters({name: request.GET.get(name, "") for name in service.FILTERS})
    labels = {}
    for name, value in list(filters.items()):
        model = FILTER_MODELS.get(name)
        if model is None:  # the year, already checked by the service
            labels[name] = value
            continue
        # Only slugs reach the database (PostgreSQL refuses NUL characters, for one).
        found = SLUG.fullmatch(value) and model.objects.filter(slug=value).first()
        if found:
            labels[name] = found.name
        else:
            del filters[name]
    return filters, labels


def _link(query, filters, **changes):
    """The search page's query string for `query` and `filters` changed by `changes` (None
    removes a filter); the page goes back to the first unless given."""
    params = {"q": query, **filters, **changes}
    return "?" + urlencode({name: value for name, value in params.items() if value})


def _facet_groups(result, query, filters):
    """Each filter with its values and counts; a value's link selects it, or removes it when
    it is selected."""
    groups = []
    for name in service.FILTERS:
        options = []
        for facet in result.facets.get(name, []):
            selected = filters.get(name) == facet["value"]
            changes = {name: None if selected else facet["value"]}
            options.append({**facet, "selected": selected, "url": _link(query, filters, **changes)})
        if options:
            groups.append({"name": name, "label": FILTER_LABELS[name], "options": options})
    return groups


def _page_link(query, filters, number):
    return _link(query, filters, page=number if number > 1 else None)


def _pages(result, query, filters):
    """Links to the first, the last and the pages around the current one; None is a gap."""
    current, last = result.page, result.page_count
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number > previous + 1:
            items.append(None)
        items.append(
            {
                "number": number,
                "url": _page_link(query, filters, number),
                "current": number == current,
            }
        )
        previous = number
    return items


def _related_topic_pages(query):
    """Topic pages whose name shares a word with `query`, else all of them."""
    pages = list(TopicPage.objects.live().public().select_related("topic").order_by("title"))
    asked = set(keywords(query))
    return [page for page in pages if asked & set(keywords(page.topic.name))] or pages


def search_page(request):
    query = service.normalise_query(request.GET.get("q", ""))
    filters, labels = _chosen_filters(request)
    context = {"query": query, "filters": filters, "result": None}
    if query or filters:
        result = service.search(
            query, filters, page=_page_number(request), user=request.user, log="page"
        )
        context.update(
            result=result,
            active_filters=[
                {
                    "label": FILTER_LABELS[name],
                    "value": labels[name],
                    "url": _link(query, filters, **{name: None}),
                }
                for name in filters
            ],
            facet_groups=_facet_groups(result, query, filters),
            pages=_pages(result, query, filters),
            previous_url=_page_link(query, filters, result.page - 1),
            next_url=_page_link(query, filters, result.page + 1),
            last_url=_page_link(query, filters, result.page_count),
            suggestion_url=_link(result.suggestion, filters),
            without_filters_url=_link(query, {}),
        )
        if not result.total:
            context["related_topics"] = _related_topic_pages(query)
            context["can_ask"] = bool(query) and can_ask(request.user)
    return render(request, "search/search.html", context)


def autocomplete_api(request):
    """GET /api/autocomplete/?q= — titles of entries for what a reader has typed so far."""
    query = service.normalise_query(request.GET.get("q", ""))
    return JsonResponse({"query": query, "results": service.autocomplete(query, user=request.user)})


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


def _positive_int(request, name, default, maximum):
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    # ASCII digits, and few of them: int() refuses "²" and numbers of thousands of digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= maximum):
        raise ValueError(
            _("«%(name)s» deve essere un numero intero tra 1 e %(maximum)d.")
            % {"name": name, "maximum": maximum}
        )
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
    # `id`, not `pk` (the parent link): an id out of range is then "not found", not an error.
    entry = get_object_or_404(EntryPage.objects.visible_to(request.user), id=entry_id)
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
