from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from accounts.services import is_pending_operator
from search.service import similar
from validation.audit import timeline

from . import services
from .forms import MessageForm, QuestionForm
from .personal_data import find_personal_data, highlight


@login_required
def my_questions(request):
    questions = services.visible_questions(request.user)
    organisation_view = request.GET.get("vista") == "organizzazione"
    if organisation_view:
        questions = questions.filter(organisation_id=request.user.organisation_id).exclude(
            asker=request.user
        )
    else:
        questions = questions.filter(asker=request.user)
    return render(
        request,
        "questions/my_questions.html",
        {
            "questions": questions,
            "organisation_view": organisation_view,
            "pending": is_pending_operator(request.user),
        },
    )


@login_required
def ask(request):
    context = {
        "pending": is_pending_operator(request.user),
        "can_ask": services.can_ask(request.user),
        # Tags of entries and questions alike, so operators reuse the same words.
        "existing_tags": Tag.objects.order_by("name")[:300],
    }
    if not context["can_ask"]:
        return render(request, "questions/ask.html", context, status=403)
    if request.FILES:
        messages.error(request, _("Gli allegati non sono accettati: descrivi il caso nel testo."))
        return redirect("questions:ask")
    if services.questions_today(request.user) >= services.DAILY_LIMIT:
        context["limit_reached"] = True
        return render(request, "questions/ask.html", context)

    # ?titolo= comes from "Fai questa domanda" on a search without results.
    form = QuestionForm(
        request.POST or None, initial={"title": request.GET.get("titolo", "")[:200]}
    )
    if request.method == "POST" and form.is_valid():
        findings = find_personal_data(form.plain_text())
        reviewed = form.cleaned_data["checked"] == form.text_fingerprint()
        if request.POST.get("step") == "confirm" and reviewed:
            try:
                question = services.submit_question(
                    request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    topic=form.cleaned_data["topic"],
                    tags=form.cleaned_data["tags"],
                    municipality=form.cleaned_data["municipality"],
                    token=form.cleaned_data["token"],
                    personal_data=findings,
                )
            except services.QuestionError as error:
                messages.error(request, str(error))
                return redirect("questions:ask")
            messages.success(request, _("Quesito inviato. Ti scriveremo a ogni passaggio."))
            return redirect(question)
        # The check step: what may already answer it, and any personal data to remove.
        data = request.POST.copy()
        data["checked"] = form.text_fingerprint()
        form = QuestionForm(data)
        form.is_valid()
        context.update(
            step="check",
            suggestions=similar(form.plain_text(), user=request.user),
            findings=findings,
            highlighted=highlight(form.plain_text(), findings) if findings else "",
        )
    context["form"] = form
    return render(request, "questions/ask.html", context)


def _visible_question(request, pk):
    question = services.visible_questions(request.user).filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


@login_required
def detail(request, pk):
    question = _visible_question(request, pk)
    is_staff_view = services.is_coordinator(request.user)
    return render(
        request,
        "questions/detail.html",
        {
            "question": question,
            "events": timeline(question, include_internal=is_staff_view),
            "thread": question.messages.filter(internal=False).select_related("author"),
            "message_form": MessageForm(),
            "can_reply": question.is_open and services.may_reply(question, request.user),
            "can_withdraw": question.is_open and question.asker_id == request.user.pk,
            "following": question.followers.filter(pk=request.user.pk).exists(),
        },
    )


@login_required
@require_POST
def reply(request, pk):
    question = _visible_question(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["body"]))
        return redirect(question)
    try:
        services.reply(question, request.user, form.cleaned_data["body"])
    except services.QuestionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Messaggio inviato."))
    return redirect(question)


@login_required
@require_POST
def withdraw(request, pk):
    question = _visible_question(request, pk)
    try:
        services.withdraw(question, request.user)
    except services.QuestionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Quesito ritirato."))
    return redirect(question)


@login_required
@require_POST
def follow(request, pk):
    question = _visible_question(request, pk)
    following = request.POST.get("segui") == "1"
    services.follow(question, request.user, following)
    if following:
        messages.success(request, _("Riceverai un'e-mail a ogni aggiornamento di questo quesito."))
    else:
        messages.success(request, _("Non segui più questo quesito."))
    return redirect(question)
