from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from accounts.roles import EDITOR, has_role

from . import views


@hooks.register("register_admin_urls")
def register_query_report_url():
    return [path("ricerche/", views.query_report, name="search_query_report")]


class EditorMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or has_role(request.user, EDITOR)


@hooks.register("register_admin_menu_item")
def register_query_report_menu_item():
    return EditorMenuItem(
        _("Ricerche dei lettori"), reverse("search_query_report"), icon_name="search", order=290
    )
