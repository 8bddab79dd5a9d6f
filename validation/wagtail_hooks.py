from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Authority, RoutingRule


class AuthorityViewSet(SnippetViewSet):
    model = Authority
    icon = "site"
    menu_label = "Enti competenti"
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["name", "slug", "kind", "territory"]
    list_filter = ["kind"]
    search_fields = ["name"]


register_snippet(AuthorityViewSet)


class RoutingRuleViewSet(SnippetViewSet):
    model = RoutingRule
    icon = "arrow-right"
    menu_label = "Regole di instradamento"
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["topic", "municipality", "tag", "authority", "priority"]
    list_filter = ["topic", "authority"]


register_snippet(RoutingRuleViewSet)
