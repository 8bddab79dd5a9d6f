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


class PendingIndexUpdate(models.Model):
    """An entry whose Elasticsearch document must be brought up to date: written in the same
    transaction as the change (publish, unpublish, move, deletion), removed once applied."""

    entry_id = models.PositiveIntegerField(_("voce"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    next_attempt_at = models.DateTimeField(_("prossimo tentativo"), null=True, blank=True)
    last_error = models.TextField(_("ultimo errore"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("aggiornamento dell'indice in attesa")
        verbose_name_plural = _("aggiornamenti dell'indice in attesa")

    def __str__(self):
        return f"voce {self.entry_id}"
