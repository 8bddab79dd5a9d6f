import datetime

import factory
import wagtail_factories
from factory.django import DjangoModelFactory

from accounts.models import Organisation, User
from accounts.roles import has_mfa, requires_mfa
from accounts.services import enrol_authenticator
from kb.models import EntryLegalReference, EntryPage, Topic, TopicPage
from questions.models import Question
from validation.models import Authority


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Cooperativa {n}")
    kind = Organisation.Kind.PRIVATE
    municipality = "Montalba"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@example.org")
    first_name = "Maria"
    last_name = "Rossi"
    password = factory.PostGenerationMethodCall("set_password", "una-password-lunga-1")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for group in extracted or []:
            self.groups.add(group)
        self.save()

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Staff have their authenticator app, as the admin requires; `mfa=False` for none."""
        if extracted is not False and requires_mfa(self) and not has_mfa(self):
            enrol_authenticator(self, TOTP_SECRET)


# The authenticator secret of every staff member the factory makes; `totp_code()` reads it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret=TOTP_SECRET):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = "permesso-di-soggiorno"
    name = "Permesso di soggiorno"


class AuthorityFactory(DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("slug",)

    slug = "questura"
    name = "Questura - Ufficio immigrazione"
    kind = Authority.Kind.QUESTURA
    territory = "Provincia di Montalba"


class TopicPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = TopicPage

    topic = factory.SubFactory(TopicFactory)
    title = factory.SelfAttribute("topic.name")
    slug = factory.SelfAttribute("topic.slug")


class EntryPageFactory(wagtail_factories.PageFactory):
    """An entry under the topic page given as `parent`."""

    class Meta:
        model = EntryPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Rinnovo del permesso di soggiorno, caso {n}")
    question = "Quando va chiesto il rinnovo del permesso di soggiorno per lavoro?"
    answer = "<p>Il rinnovo va chiesto <strong>almeno 60 giorni prima</strong> della scadenza.</p>"
    topic = factory.LazyAttribute(lambda o: o.parent.specific.topic)
    authority = factory.SubFactory(AuthorityFactory)
    validated_at = datetime.date(2026, 3, 12)
    review_due = datetime.date(2027, 3, 12)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags.set(extracted)
            self.save()

    @factory.post_generation
    def legal_references(self, create, extracted, **kwargs):
        for position, (label, url) in enumerate(extracted or []):
            EntryLegalReference.objects.create(page=self, label=label, url=url, sort_order=position)


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Rinnovo del permesso per attesa occupazione {n}")
    body = "<p>Un ospite del CAS ha il permesso in scadenza: come si rinnova?</p>"
    topic = factory.LazyFunction(lambda: Topic.objects.get(slug="permesso-di-soggiorno"))
    asker = factory.SubFactory(UserFactory)
    organisation = factory.SelfAttribute("asker.organisation")
