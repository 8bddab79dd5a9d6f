from django.http import HttpResponseForbidden
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_menu import RoleMenuItem
from accounts.roles import COORDINATOR

from . import reports, workflow
from .models import Authority, RoutingRule


class AuthorityViewSet(SnippetViewSet):
    model = Authority
    icon = "site"
    menu_label = _("Enti competenti")
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["name", "slug", "kind", "sla_days", "review_months"]
    list_filter = ["kind"]
    search_fields = ["name"]


class RoutingRuleViewSet(SnippetViewSet):
    model = RoutingRule
    icon = "arrow-right"
    menu_label = _("Regole di instradamento")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["topic", "municipality", "tag", "authority", "priority"]
    list_filter = ["topic", "authority"]


register_snippet(AuthorityViewSet)
register_snippet(RoutingRuleViewSet)


def _is_entry(page):
    from kb.models import EntryPage

    return isinstance(page, EntryPage) or page.specific_class is EntryPage


@hooks.register("construct_page_action_menu")
def entries_publish_only_through_validation(menu_items, request, context):
    page = context.get("page")
    if page is not None and _is_entry(page) and not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


def _publishing_refused():
    return HttpResponseForbidden(
        _("Le risposte si pubblicano solo con la validazione dell'ente competente.")
    )


# Before anything is saved: Wagtail's before_publish_page runs after the edit is already
# saved as a draft, so a refused publication would still change the entry.
@hooks.register("before_edit_page")
def refuse_direct_publishing_of_entries(request, page):
    if "action-publish" in request.POST and _is_entry(page) and not request.user.is_superuser:
        return _publishing_refused()


@hooks.register("before_create_page")
def refuse_direct_publishing_of_new_entries(request, parent_page, page_class):
    from kb.models import EntryPage

    publishing = "action-publish" in request.POST and page_class is EntryPage
    if publishing and not request.user.is_superuser:
        return _publishing_refused()


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_of_entries(request, action_type, objects, action_class_instance):
    """The page listing's "Pubblica" (with the subpages, if asked) skips the edit view."""
    if action_type != "publish" or request.user.is_superuser:
        return None
    pages = list(objects)
    if action_class_instance.cleaned_form.cleaned_data.get("include_descendants"):
        pages += [page for parent in list(pages) for page in parent.get_descendants().not_live()]
    return _publishing_refused() if any(_is_entry(page) for page in pages) else None


class WorkPanel(Component):
    """A dashboard panel of an expert's work: `items`, in validation/admin/<name>_panel.html."""

    def __init__(self, name, order, items):
        self.name, self.order, self.items = name, order, items
        self.template_name = f"validation/admin/{name}_panel.html"

    def get_context_data(self, parent_context):
        return {"items": self.items}


@hooks.register("construct_homepage_panels")
def add_experts_panels(request, panels):
    """An expert's work: the answers to write, then the answers to validate."""
    if workflow.authorities_of(request.user).exists():
        user = request.user
        panels.append(WorkPanel("to_write", 35, workflow.answers_to_write(user)))
        panels.append(WorkPanel("to_validate", 40, workflow.entries_to_validate(user)))


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path("validazione/report/", reports.sla_report, name="validation_report"),
        path("validazione/da-rivalidare/", reports.revalidation_list, name="validation_due"),
    ]


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return RoleMenuItem(
        _("Tempi di validazione"),
        reverse("validation_report"),
        icon_name="time",
        order=320,
        roles=[COORDINATOR],
    )


@hooks.register("register_admin_menu_item")
def register_due_menu_item():
    return RoleMenuItem(
        _("Da rivalidare"),
        reverse("validation_due"),
        icon_name="warning",
        order=330,
        roles=[COORDINATOR],
    )
