from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Organisation


class SignupForm(AllauthSignupForm):
    """Operators sign up with their organisation, existing or new; a coordinator approves."""

    first_name = forms.CharField(label=_("Nome"), max_length=150)
    last_name = forms.CharField(label=_("Cognome"), max_length=150)
    organisation = forms.ModelChoiceField(
        label=_("Organizzazione"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("— La mia organizzazione non è in elenco —"),
    )
    new_organisation_name = forms.CharField(
        label=_("Nome della nuova organizzazione"), max_length=200, required=False
    )
    new_organisation_kind = forms.ChoiceField(
        label=_("Tipo"),
        choices=[("", "—"), *Organisation.Kind.choices],
        required=False,
    )
    new_organisation_municipality = forms.CharField(
        label=_("Comune"), max_length=100, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("organisation"):
            return data
        name = (data.get("new_organisation_name") or "").strip()
        if not name:
            raise forms.ValidationError(
                _("Scegli la tua organizzazione o indica il nome di quella nuova.")
            )
        if Organisation.objects.filter(name__iexact=name).exists():
            self.add_error(
                "new_organisation_name", _("Questa organizzazione esiste già: sceglila in elenco.")
            )
        if not data.get("new_organisation_kind"):
            self.add_error("new_organisation_kind", _("Indica il tipo di organizzazione."))
        if not (data.get("new_organisation_municipality") or "").strip():
            self.add_error("new_organisation_municipality", _("Indica il comune."))
        return data

    @transaction.atomic
    def save(self, request):
        from questions import notifications

        organisation = self.cleaned_data.get("organisation")
        if organisation is None:
            organisation = Organisation.objects.create(
                name=self.cleaned_data["new_organisation_name"].strip(),
                kind=self.cleaned_data["new_organisation_kind"],
                municipality=self.cleaned_data["new_organisation_municipality"].strip(),
            )
        user = super().save(request)
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.organisation = organisation
        user.save(update_fields=["first_name", "last_name", "organisation"])
        notifications.operator_signed_up(user)
        return user
