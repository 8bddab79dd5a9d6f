from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase


class QuestionTag(TaggedItemBase):
    content_object = models.ForeignKey(
        "questions.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class Question(models.Model):
    """A question asked by an operator, from submission to its published answer."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Da esaminare")
        NEEDS_INFO = "needs_info", _("In attesa di dettagli")
        DUPLICATE = "duplicate", _("Già risposto")
        REJECTED = "rejected", _("Non accolto")
        ROUTED = "routed", _("Assegnato all'ente competente")
        IN_VALIDATION = "in_validation", _("In validazione")
        ANSWERED = "answered", _("Risposto")
        WITHDRAWN = "withdrawn", _("Ritirato")

    CLOSED = (Status.DUPLICATE, Status.REJECTED, Status.ANSWERED, Status.WITHDRAWN)

    title = models.CharField(_("titolo"), max_length=200)
    body = models.TextField(_("domanda"))
    topic = models.ForeignKey(
        "kb.Topic", verbose_name=_("tema"), on_delete=models.PROTECT, related_name="questions"
    )
    tags = TaggableManager(through=QuestionTag, blank=True, verbose_name=_("etichette"))
    municipality = models.CharField(_("comune"), max_length=100, blank=True)
    # Empty once the asker deleted their account: the question stays, anonymised.
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chi ha chiesto"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organizzazione"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    status = models.CharField(
        _("stato"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    authority = models.ForeignKey(
        "validation.Authority",
        verbose_name=_("ente competente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    entry = models.ForeignKey(
        "kb.EntryPage",
        verbose_name=_("voce"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text=_("La bozza di risposta, o la voce che già risponde."),
    )
    has_personal_data = models.BooleanField(
        _("possibili dati personali"),
        default=False,
        help_text=_("Inviata nonostante l'avviso: va ripulita prima dell'instradamento."),
    )
    personal_data_cleared_at = models.DateTimeField(
        _("dati personali rimossi il"), null=True, blank=True
    )
    submission_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("inviata il"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("aggiornata il"), auto_now=True)
    routed_at = models.DateTimeField(_("instradata il"), null=True, blank=True)
    due_on = models.DateField(
        _("da validare entro"), null=True, blank=True, help_text=_("Dall'obiettivo dell'ente.")
    )
    answered_at = models.DateTimeField(_("risposta pubblicata il"), null=True, blank=True)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chi lo segue"),
        blank=True,
        related_name="followed_questions",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quesito")
        verbose_name_plural = _("quesiti")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("questions:detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status not in self.CLOSED

    @property
    def needs_personal_data_check(self):
        return self.has_personal_data and self.personal_data_cleared_at is None


class QuestionVersion(models.Model):
    """The text of a question before a coordinator edited it (shown to coordinators only)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    topic = models.ForeignKey("kb.Topic", on_delete=models.PROTECT, related_name="+")
    tags = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"


class Message(models.Model):
    """A message in a question's thread; internal notes never reach the operator."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("messaggio"))
    internal = models.BooleanField(_("nota interna"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")

    def __str__(self):
        return f"{self.author} · {self.created_at:%Y-%m-%d %H:%M}"
