from django import forms
from django.utils.translation import gettext_lazy as _


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Nota di validazione"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facoltativa: resta nello storico della voce."),
    )
    review_months = forms.IntegerField(
        label=_("Da rivedere tra (mesi)"),
        min_value=1,
        max_value=36,
        initial=12,
        help_text=_("Quando la risposta va verificata di nuovo."),
    )


class RequestChangesForm(forms.Form):
    comment = forms.CharField(label=_("Cosa va cambiato"), widget=forms.Textarea(attrs={"rows": 3}))


class NotCompetentForm(forms.Form):
    comment = forms.CharField(
        label=_("Perché non è di vostra competenza"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il quesito torna al coordinamento per un nuovo instradamento."),
    )


ACTION_FORMS = {
    "approve": ApproveForm,
    "reject": RequestChangesForm,
    "not_competent": NotCompetentForm,
}
