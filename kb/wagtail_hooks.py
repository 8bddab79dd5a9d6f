from django.contrib import messages
from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_menu import RoleMenuItem
from accounts.roles import EDITOR

from .models import GlossaryTerm, GuidePage, LegalAct, Topic


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = "Temi"
    add_to_admin_menu = True
    menu_order = 250
    list_display = ["name", "slug"]


register_snippet(TopicViewSet)


class LegalActViewSet(SnippetViewSet):
    model = LegalAct
    icon = "doc-full"
    menu_label = "Atti normativi"
    add_to_admin_menu = True
    menu_order = 260
    list_display = ["name", "amended_on", "amendment_note"]
    search_fields = ["name"]


register_snippet(LegalActViewSet)


@hooks.register("after_edit_snippet")
def flag_entries_when_an_act_is_amended(request, instance):
    if isinstance(instance, LegalAct) and instance.amended_on:
        from validation.freshness import flag_entries_citing

        flag_entries_citing(instance, remind=True)


class GlossaryTermViewSet(SnippetViewSet):
    model = GlossaryTerm
    icon = "help"
    menu_label = "Glossario"
    add_to_admin_menu = True
    menu_order = 270
    list_display = ["term", "synonyms", "english_synonyms"]
    search_fields = ["term", "synonyms", "english_synonyms"]


register_snippet(GlossaryTermViewSet)


@hooks.register("before_edit_page")
def warn_about_guide_entries_due(request, page):
    if isinstance(page.specific, GuidePage) and request.method == "GET":
        due = page.specific.entries_due_for_revalidation()
        if due:
            titles = ", ".join(f"«{entry.title}»" for entry in due)
            messages.warning(
                request,
                _("La guida contiene voci da rivalidare: %(titles)s.") % {"titles": titles},
            )


@hooks.register("register_admin_urls")
def register_feedback_urls():
    from . import views

    return [
        path("riscontri/", views.feedback_report, name="kb_feedback_report"),
        path(
            "riscontri/<int:pk>/quesito/", views.feedback_to_question, name="kb_feedback_question"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_feedback_menu_item():
    return RoleMenuItem(
        _("Riscontri dei lettori"),
        reverse("kb_feedback_report"),
        icon_name="comment",
        order=280,
        roles=[EDITOR],
    )
