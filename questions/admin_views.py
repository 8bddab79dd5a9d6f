"""Triage in the Wagtail admin: the coordinators' queue and the actions on one question."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import slug_unicode_re
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.decorators import forbidden, roles_required
from accounts.models import Organisation
from accounts.roles import COORDINATOR, EXPERT
from kb.models import EntryPage, Topic
from search.service import similar
from validation.audit import timeline
from validation.models import Authority
from validation.routing import propose_authority

from . import services
from .forms import QuestionForm
from .html import text_to_html
from .models import Question

S = Question.Status

QUEUES = {
    "nuovi": (gettext_lazy("Nuovi"), Q(status=S.SUBMITTED)),
    "dettagli": (gettext_lazy("In attesa di dettagli"), Q(status=S.NEEDS_INFO)),
    "dati-personali": (
        gettext_lazy("Dati personali da verificare"),
        Q(has_personal_data=True, personal_data_cleared_at__isnull=True)
        & ~Q(status__in=Question.CLOSED),
    ),
    "in-ritardo": (gettext_lazy("In ritardo"), None),
    "instradati": (gettext_lazy("Instradati"), Q(status__in=[S.ROUTED, S.IN_VALIDATION])),
    "tutti": (gettext_lazy("Tutti"), Q()),
}


def queue_counts(user):
    """How many of the questions `user` may see wait in each queue (for the dashboard and
    the tabs): an expert counts only their authority's."""
    visible = services.visible_questions(user)
    overdue = services.overdue_since(settings.TRIAGE_TARGET_DAYS).values("pk")
    return {
        "nuovi": visible.filter(QUEUES["nuovi"][1]).count(),
        "dettagli": visible.filter(QUEUES["dettagli"][1]).count(),
        "dati_personali": visible.filter(QUEUES["dati-personali"][1]).count(),
        "in_ritardo": visible.filter(pk__in=overdue).count(),
        "operatori": account_services.pending_operators().count(),
    }


triage_staff_only = roles_required(COORDINATOR, EXPERT)
coordinators_only = roles_required(COORDINATOR)


@triage_staff_only
def queue(request):
    questions = services.visible_questions(request.user)
    tab = request.GET.get("coda", "nuovi")
    if tab not in QUEUES:
        tab = "nuovi"
    if tab == "in-ritardo":
        questions = questions.filter(
            pk__in=services.overdue_since(settings.TRIAGE_TARGET_DAYS).values("pk")
        )
    else:
        questions = questions.filter(QUEUES[tab][1])
    # Filters that cannot be right are ignored: PostgreSQL refuses a NUL in a slug, int()
    # refuses "²", and a huge number overflows the database or the date.
    topic = request.GET.get("tema", "")
    if slug_unicode_re.match(topic):
        questions = questions.filter(topic__slug=topic)
    organisation = request.GET.get("organizzazione", "")
    if organisation.isascii() and organisation.isdigit() and len(organisation) <= 9:
        questions = questions.filter(organisation_id=int(organisation))
    age = request.GET.get("eta", "")
    if age.isascii() and age.isdigit() and len(age) <= 5:
        questions = questions.filter(
            created_at__lte=timezone.now() - datetime.timedelta(days=int(age))
        )
    page = Paginator(questions.order_by("created_at"), 50).get_page(request.GET.get("p"))
    return render(
        request,
        "questions/admin/queue.html",
        {
            "page_title": _("Quesiti"),
            "header_icon": "help",
            "tabs": [(key, label) for key, (label, _q) in QUEUES.items()],
            "tab": tab,
            "counts": queue_counts(request.user),
            "page": page,
            "topics": Topic.objects.all(),
            "organisations": Organisation.objects.all(),
            "filters": {"tema": topic, "organizzazione": organisation, "eta": age},
            "is_coordinator": services.is_coordinator(request.user),
        },
    )


class RouteForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=gettext_lazy("Ente competente"), queryset=Authority.objects.all()
    )


class ReasonForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Testo"), widget=forms.Textarea(attrs={"rows": 3}))


class DuplicateForm(forms.Form):
    entry = forms.ModelChoiceField(
        label=gettext_lazy("Voce che risponde già"),
        queryset=EntryPage.objects.live(),
        widget=forms.NumberInput,
        help_text=gettext_lazy("Il numero (ID) della voce pubblicata, o scegli tra le simili."),
    )


def _question(request, pk):
    question = services.visible_questions(request.user).filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


@triage_staff_only
def triage(request, pk):
    question = _question(request, pk)
    rule = propose_authority(question.topic, question.municipality, question.tags.names())
    edit_form = QuestionForm(
        initial={
            "title": question.title,
            "body": question.body,
            "topic": question.topic,
            "tags": ", ".join(sorted(question.tags.names())),
            "municipality": question.municipality,
        }
    )
    return render(
        request,
        "questions/admin/triage.html",
        {
            "page_title": question.title,
            "header_icon": "help",
            "question": question,
            "is_coordinator": services.is_coordinator(request.user),
            "rule": rule,
            "route_form": RouteForm(
                initial={"authority": rule.authority if rule else question.authority}
            ),
            "reason_form": ReasonForm(),
            "duplicate_form": DuplicateForm(),
            "edit_form": edit_form,
            "similar": similar(f"{question.title} {question.body}", user=request.user),
            "thread": question.messages.select_related("author"),
            "events": timeline(question, include_internal=True),
            "versions": question.versions.select_related("edited_by", "topic"),
            "allowed": services.ALLOWED.get(question.status, set()),
        },
    )


class EditQuestionForm(QuestionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].required = False


def _edit(question, user, data):
    services.edit_question(
        question,
        user,
        title=data["title"],
        body=data["body"],
        topic=data["topic"],
        tags=data["tags"],
    )


# Each triage action: the form it posts and the service that carries it out.
ACTIONS = {
    "nota": (ReasonForm, lambda q, u, d: services.add_internal_note(q, u, text_to_html(d["text"]))),
    "instrada": (RouteForm, lambda q, u, d: services.route(q, u, d["authority"])),
    "dettagli": (
        ReasonForm,
        lambda q, u, d: services.ask_for_details(q, u, text_to_html(d["text"])),
    ),
    "respingi": (ReasonForm, lambda q, u, d: services.reject(q, u, d["text"])),
    "duplicato": (DuplicateForm, lambda q, u, d: services.mark_duplicate(q, u, d["entry"])),
    "dati-rimossi": (forms.Form, lambda q, u, d: services.clear_personal_data(q, u)),
    "modifica": (EditQuestionForm, _edit),
}


@require_POST
@triage_staff_only
def act(request, pk, action):
    question = _question(request, pk)
    if action not in ACTIONS:
        raise Http404
    # Experts may add internal notes; every other action is the coordinators'.
    if action != "nota" and not services.is_coordinator(request.user):
        return forbidden()
    form_class, carry_out = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, _("Azione non eseguita: %(e)s") % {"e": errors})
    else:
        try:
            carry_out(question, request.user, form.cleaned_data)
        except services.QuestionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Fatto."))
    return redirect("questions_admin:triage", pk=question.pk)


@coordinators_only
def operators(request):
    return render(
        request,
        "questions/admin/operators.html",
        {
            "page_title": _("Operatori da abilitare"),
            "header_icon": "user",
            "pending": account_services.pending_operators(),
        },
    )


@require_POST
@coordinators_only
def approve_operator(request, pk):
    user = get_object_or_404(account_services.pending_operators(), pk=pk)
    try:
        account_services.approve_operator(user, request.user)
    except account_services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(user)s è stato abilitato.") % {"user": user})
    return redirect("questions_admin:operators")
