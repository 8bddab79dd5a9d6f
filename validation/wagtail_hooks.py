from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Authority


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
