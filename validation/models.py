from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
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

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("territory"),
        FieldPanel("experts_group"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("ente competente")
        verbose_name_plural = _("enti competenti")

    def __str__(self):
        return self.name


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
