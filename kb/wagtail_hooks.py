from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LegalAct, Topic


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
