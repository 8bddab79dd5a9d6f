from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from accounts.admin_menu import RoleMenuItem
from accounts.roles import EDITOR

from . import views


@hooks.register("register_admin_urls")
def register_query_report_url():
    return [path("ricerche/", views.query_report, name="search_query_report")]


@hooks.register("register_admin_menu_item")
def register_query_report_menu_item():
    return RoleMenuItem(
        _("Ricerche dei lettori"),
        reverse("search_query_report"),
        icon_name="search",
        order=290,
        roles=[EDITOR],
    )
