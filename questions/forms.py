import hashlib
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.utils import parse_tags

from kb.models import Topic

from .html import html_to_text, text_to_html
from .services import MAX_BODY


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Titolo"),
        max_length=200,
        help_text=_("Una frase che riassume la domanda."),
    )
    body = forms.CharField(
        label=_("Domanda"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_BODY,
        help_text=_(
            "Descrivi il caso senza dati personali (nomi, codici fiscali, numeri di documento). "
            "Riga vuota per un nuovo paragrafo, «- » all'inizio della riga per un elenco."
        ),
    )
    topic = forms.ModelChoiceField(label=_("Tema"), queryset=Topic.objects.all())
    tags = forms.CharField(
        label=_("Etichette"),
        required=False,
        max_length=300,
        help_text=_("Facoltative, separate da virgole (es. rinnovo, kit postale)."),
        widget=forms.TextInput(attrs={"list": "etichette-esistenti", "autocomplete": "off"}),
    )
    municipality = forms.CharField(label=_("Comune"), max_length=100, required=False)
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    checked = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_body(self):
        body = text_to_html(self.cleaned_data["body"])
        if not html_to_text(body):
            raise forms.ValidationError(_("Scrivi la domanda."))
        return body

    def clean(self):
        # A hidden field has no place on the page to show its error: say it on top.
        if any(field.name in self.errors for field in self.hidden_fields()):
            raise forms.ValidationError(_("Modulo non valido: ricarica la pagina e riprova."))
        return super().clean()

    def clean_tags(self):
        tags = parse_tags(self.cleaned_data["tags"])
        if len(tags) > 8 or any(len(tag) > 50 for tag in tags):
            raise forms.ValidationError(_("Al massimo 8 etichette, di 50 caratteri ciascuna."))
        return [tag.lower() for tag in tags]

    def text_fingerprint(self):
        """Identifies the exact text the operator reviewed on the check step."""
        data = self.cleaned_data
        raw = "\n".join([data["title"], data["body"], str(data["topic"].pk)])
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def plain_text(self):
        return f"{self.cleaned_data['title']}\n{html_to_text(self.cleaned_data['body'])}"


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Messaggio"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_BODY
    )

    def clean_body(self):
        body = text_to_html(self.cleaned_data["body"])
        if not html_to_text(body):
            raise forms.ValidationError(_("Scrivi il messaggio."))
        return body
