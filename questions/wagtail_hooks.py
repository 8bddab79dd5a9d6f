from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from accounts.roles import EXPERT, has_role

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


class QuestionsMenuItem(MenuItem):
    def is_shown(self, request):
        return is_coordinator(request.user) or has_role(request.user, EXPERT)


@hooks.register("register_admin_menu_item")
def register_questions_menu_item():
    return QuestionsMenuItem(
        _("Quesiti"), reverse("questions_admin:queue"), icon_name="help", order=100
    )


class TriagePanel(Component):
    name = "triage"
    order = 50
    template_name = "questions/admin/dashboard_panel.html"

    def get_context_data(self, parent_context):
        return {"counts": admin_views.queue_counts()}


@hooks.register("construct_homepage_panels")
def add_triage_panel(request, panels):
    if is_coordinator(request.user):
        panels.append(TriagePanel())
