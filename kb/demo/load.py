"""Idempotent loading of the demo province: taxonomy, role groups, people, glossary, entries,
guides."""

import json

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Organisation
from accounts.roles import EXPERT, ensure_role_groups, has_mfa, requires_mfa
from accounts.services import enrol_authenticator
from kb.entries_io import ensure_topic_pages, import_entries, read_entries
from kb.models import EntryPage, GlossaryTerm, GuidePage, HomePage, Topic
from validation.models import Authority, RoutingRule

from . import (
    AUTHORITIES,
    ENTRIES_FILE,
    GLOSSARY_FILE,
    GUIDES_FILE,
    OFFICES,
    ORGANISATIONS,
    ROUTING_RULES,
    TERRITORY,
    TOPICS,
    USERS,
)


@transaction.atomic
def load_taxonomy():
    """Topics with their pages, authorities with their experts' groups, routing rules and
    role groups."""
    for slug, name in TOPICS:
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})
    for slug, name, kind in AUTHORITIES:
        authority, _ = Authority.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "territory": TERRITORY}
        )
        if authority.experts_group is None:
            authority.experts_group, _ = Group.objects.get_or_create(
                name=f"{EXPERT} - {authority.name}"
            )
            authority.save(update_fields=["experts_group"])
    for topic, municipality, tag, authority, priority in ROUTING_RULES:
        RoutingRule.objects.get_or_create(
            topic=Topic.objects.get(slug=topic),
            municipality=municipality,
            tag=tag,
            defaults={"authority": Authority.objects.get(slug=authority), "priority": priority},
        )
    home = HomePage.objects.get()
    ensure_topic_pages(home)
    ensure_role_groups(home)


@transaction.atomic
def load_users():
    """The demo accounts, one per role; returns (email, role) pairs. Existing ones are kept."""
    User = get_user_model()
    organisations = {}
    for name, kind, municipality in ORGANISATIONS:
        organisations[name], _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "municipality": municipality}
        )
    accounts = []
    for email, first_name, last_name, role, authority_slug, organisation in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=settings.DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                organisation=organisations.get(organisation),
                office=OFFICES.get(authority_slug, ""),
                is_staff=role is None,
                is_superuser=role is None,
            )
            if role:
                user.groups.add(Group.objects.get(name=role))
            if authority_slug:
                user.groups.add(Authority.objects.get(slug=authority_slug).experts_group)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if requires_mfa(user) and not has_mfa(user):
            enrol_authenticator(user, settings.DEMO_TOTP_SECRET)
        label = role or "Amministratore"
        if authority_slug:
            label = f"{label} ({authority_slug})"
        accounts.append((email, label))
    return accounts


@transaction.atomic
def load_glossary():
    """The demo glossary; terms already there (maybe edited by an editor) are kept."""
    with open(GLOSSARY_FILE, encoding="utf-8") as source:
        for item in json.load(source):
            GlossaryTerm.objects.get_or_create(term=item["term"], defaults=item)


def load_entries():
    with open(ENTRIES_FILE, encoding="utf-8") as lines:
        return import_entries(read_entries(lines))


@transaction.atomic
def load_guides():
    """The demo guides, published; their entries are named by external id. Guides already
    there (maybe edited by an editor) are kept."""
    home = HomePage.objects.get()
    with open(GUIDES_FILE, encoding="utf-8") as source:
        guides = json.load(source)
    ids = dict(EntryPage.objects.filter(is_demo=True).values_list("external_id", "pk"))
    for item in guides:
        if GuidePage.objects.filter(slug=item["slug"]).exists():
            continue
        sections = [
            {
                "type": "section",
                "value": {
                    "heading": section["heading"],
                    "body": [
                        {"type": "entries", "value": [ids[name] for name in block["value"]]}
                        if block["type"] == "entries"
                        else block
                        for block in section["body"]
                    ],
                },
            }
            for section in item["sections"]
        ]
        guide = home.add_child(
            instance=GuidePage(
                title=item["title"],
                slug=item["slug"],
                topic=Topic.objects.get(slug=item["topic"]),
                featured=item["featured"],
                introduction=item["introduction"],
                sections=json.dumps(sections),
            )
        )
        guide.save_revision().publish()
