from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from accounts.admin_menu import RoleMenuItem
from accounts.roles import COORDINATOR, EXPERT

from . import admin_views
from .services import is_coordinator

admin_urlpatterns = [
    path("", admin_views.queue, name="queue"),
    path("<int:pk>/", admin_views.triage, name="triage"),
    path("<int:pk>/<slug:action>/", admin_views.act, name="act"),
    path("operatori/", admin_views.operators, name="operators"),
    path("operatori/<int:pk>/abilita/", admin_views.approve_operator, name="approve"),
]


@hooks.register("register_admin_urls")
def register_question_urls():
    return [path("quesiti/", include((admin_urlpatterns, "questions_admin")))]


@hooks.register("register_admin_menu_item")
def register_questions_menu_item():
    return RoleMenuItem(
        _("Quesiti"),
        reverse("questions_admin:queue"),
        icon_name="help",
        order=100,
        roles=[COORDINATOR, EXPERT],
    )


class TriagePanel(Component):
    name = "triage"
    order = 50
    template_name = "questions/admin/dashboard_panel.html"

    def get_context_data(self, parent_context):
        return {"counts": admin_views.queue_counts(parent_context["request"].user)}


@hooks.register("construct_homepage_panels")
def add_triage_panel(request, panels):
    if is_coordinator(request.user):
        panels.append(TriagePanel())
