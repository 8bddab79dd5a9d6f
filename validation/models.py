from django.contrib.auth.models import Group
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
