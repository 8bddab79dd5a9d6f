from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Ente pubblico")
        PRIVATE = "private", _("Ente privato")
        NGO = "ngo", _("Associazione / ONG")

    name = models.CharField(_("nome"), max_length=200, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    municipality = models.CharField(_("comune"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organizzazione")
        verbose_name_plural = _("organizzazioni")

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Serve un indirizzo e-mail")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person; the e-mail address is the login."""

    username = None
    email = models.EmailField(_("indirizzo e-mail"), unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organizzazione"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    office = models.CharField(
        _("ufficio"),
        max_length=200,
        blank=True,
        help_text=_("Per gli esperti: l'ufficio mostrato nel timbro di validazione."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")

    def __str__(self):
        return self.get_full_name() or self.email
