from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with an error message that has an Italian translation (Django 5.2's has none)."""

    def get_error_message(self):
        return _("La password è troppo corta: servono almeno %(min_length)d caratteri.") % {
            "min_length": self.min_length
        }
