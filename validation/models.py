from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Task, TaskState
from wagtail.search import index


class Authority(index.Indexed, models.Model):
    """A competent authority whose experts validate answers (Questura, ASL, INPS, ...)."""

    class Kind(models.TextChoices):
        QUESTURA = "questura", _("Questura")
        PREFETTURA = "prefettura", _("Prefettura")
        COMUNE = "comune", _("Comune")
        ASL = "asl", _("Azienda sanitaria")
        INPS = "inps", _("INPS")
        AGENZIA_ENTRATE = "agenzia-entrate", _("Agenzia delle Entrate")
        ISPETTORATO = "ispettorato", _("Ispettorato del lavoro")
        COMMISSIONE = "commissione", _("Commissione territoriale")
        TRIBUNALE = "tribunale", _("Tribunale")
        CENTRO_IMPIEGO = "centro-impiego", _("Centro per l'impiego")
        CPIA = "cpia", _("CPIA")
        OTHER = "altro", _("Altro")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("nome"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    territory = models.CharField(_("territorio"), max_length=100, blank=True)
    experts_group = models.OneToOneField(
        Group,
        verbose_name=_("gruppo degli esperti"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authority",
    )
    contact_email = models.EmailField(_("e-mail di contatto"), blank=True)
    sla_days = models.PositiveSmallIntegerField(
        _("giorni per la validazione"),
        default=15,
        help_text=_("Obiettivo: giorni dall'instradamento alla validazione."),
    )
    review_months = models.PositiveSmallIntegerField(
        _("mesi fino alla revisione"),
        default=12,
        help_text=_("Periodo proposto all'esperto quando valida una risposta."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("territory"),
        FieldPanel("experts_group"),
        FieldPanel("contact_email"),
        FieldPanel("sla_days"),
        FieldPanel("review_months"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("ente competente")
        verbose_name_plural = _("enti competenti")

    def __str__(self):
        return self.name

    def experts(self):
        from accounts.models import User

        if self.experts_group_id is None:
            return User.objects.none()
        return User.objects.filter(groups=self.experts_group_id, is_active=True)


class RoutingRule(models.Model):
    """Topic (optionally narrowed to a municipality or a tag) → the competent authority."""

    topic = models.ForeignKey(
        "kb.Topic", verbose_name=_("tema"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    municipality = models.CharField(
        _("comune"), max_length=100, blank=True, help_text=_("Vuoto: qualunque comune.")
    )
    tag = models.CharField(
        _("etichetta"), max_length=100, blank=True, help_text=_("Vuoto: qualunque etichetta.")
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("ente competente"), on_delete=models.CASCADE
    )
    priority = models.PositiveSmallIntegerField(
        _("priorità"), default=100, help_text=_("Vince il numero più basso.")
    )

    panels = [
        FieldPanel("topic"),
        FieldPanel("municipality"),
        FieldPanel("tag"),
        FieldPanel("authority"),
        FieldPanel("priority"),
    ]

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("regola di instradamento")
        verbose_name_plural = _("regole di instradamento")

    def __str__(self):
        conditions = [str(self.topic)]
        if self.municipality:
            conditions.append(self.municipality)
        if self.tag:
            conditions.append(f"#{self.tag}")
        return f"{' + '.join(conditions)} → {self.authority}"


class AuditEvent(models.Model):
    """One step in the life of anything (question, account, entry): who, when, from, to, note."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("azione"), max_length=40)
    from_status = models.CharField(_("da"), max_length=30, blank=True)
    to_status = models.CharField(_("a"), max_length=30, blank=True)
    note = models.TextField(_("nota"), blank=True)
    internal = models.BooleanField(
        _("interno"), default=False, help_text=_("Visibile solo a coordinatori ed esperti.")
    )
    created_at = models.DateTimeField(_("quando"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("evento")
        verbose_name_plural = _("eventi")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.from_status}→{self.to_status}"


class AuthorityTaskState(TaskState):
    """The task state remembers which authorities must validate this revision."""

    authority = models.ForeignKey(
        Authority,
        verbose_name=_("ente competente"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    joint_authority = models.ForeignKey(
        Authority,
        verbose_name=_("secondo ente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stato della validazione")

    def required_authorities(self):
        return [a for a in (self.authority, self.joint_authority) if a is not None]


class AuthorityValidationTask(Task):
    """The Wagtail workflow task in which the experts of the entry's competent authority (and
    of the second authority, for a joint validation) validate it. Only they, and superusers,
    can act on it; the rules are in validation/workflow.py."""

    task_state_class = AuthorityTaskState

    class Meta:
        verbose_name = _("validazione dell'ente competente")
        verbose_name_plural = _("validazioni dell'ente competente")

    def start(self, workflow_state, user=None):
        from . import workflow

        return workflow.start_task(self, workflow_state, user)

    def get_actions(self, obj, user):
        from . import workflow

        return workflow.actions_for(self, obj, user)

    def get_form_for_action(self, action):
        from . import forms

        return forms.ACTION_FORMS.get(action, super().get_form_for_action(action))

    def on_action(self, task_state, user, action_name, **kwargs):
        from . import workflow

        return workflow.perform(task_state, user, action_name, **kwargs)

    def user_can_access_editor(self, obj, user):
        from . import workflow

        return workflow.may_validate(obj, user)

    def locked_for_user(self, obj, user):
        from . import workflow

        return not workflow.may_validate(obj, user)

    def user_can_lock(self, obj, user):
        from . import workflow

        return workflow.may_validate(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from . import workflow

        return workflow.task_states_for(user).filter(task=self)

    @classmethod
    def get_description(cls):
        return _("Gli esperti dell'ente competente per la voce validano la risposta.")


class ValidationStamp(models.Model):
    """One authority's approval of one revision of an entry (two for a joint validation)."""

    entry = models.ForeignKey("kb.EntryPage", on_delete=models.CASCADE, related_name="stamps")
    revision = models.ForeignKey("wagtailcore.Revision", null=True, on_delete=models.SET_NULL)
    task_state = models.ForeignKey(
        AuthorityTaskState, null=True, on_delete=models.SET_NULL, related_name="stamps"
    )
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="stamps")
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    office = models.CharField(_("ufficio"), max_length=200)
    validated_on = models.DateField(_("validata il"))
    review_months = models.PositiveSmallIntegerField(_("mesi fino alla revisione"))
    note = models.TextField(_("nota di validazione"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_state", "authority"], name="one_stamp_per_authority_and_task"
            )
        ]
        verbose_name = _("timbro di validazione")
        verbose_name_plural = _("timbri di validazione")

    def __str__(self):
        return f"{self.authority} {self.validated_on}"
