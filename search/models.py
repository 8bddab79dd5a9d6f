from django.db import models
from django.utils.translation import gettext_lazy as _


class QueryLog(models.Model):
    """One search as it was asked and answered; nothing identifies who asked."""

    query = models.CharField(_("ricerca"), max_length=200)
    filters = models.JSONField(_("filtri"), default=dict, blank=True)
    result_count = models.PositiveIntegerField(_("risultati"))
    engine = models.CharField(_("motore"), max_length=20)
    milliseconds = models.PositiveIntegerField(_("millisecondi"))
    source = models.CharField(_("origine"), max_length=10, default="page")
    opened = models.BooleanField(_("risultato aperto"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ricerca registrata")
        verbose_name_plural = _("ricerche registrate")

    def __str__(self):
        return f"{self.query} ({self.result_count})"
