"""The roles of DESIGN.md as Django groups, and the permissions each one needs."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

OPERATOR = "Operatori"
COORDINATOR = "Coordinatori"
EXPERT = "Esperti"
EDITOR = "Redattori"

ADMIN_ROLES = (COORDINATOR, EXPERT, EDITOR)

# Page permissions on the knowledge-base tree; publishing by experts goes through validation.
PAGE_PERMISSIONS = {
    COORDINATOR: ["add_page", "change_page"],
    EXPERT: ["add_page", "change_page"],
    EDITOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}

MODEL_PERMISSIONS = {
    COORDINATOR: [
        "validation.add_routingrule",
        "validation.change_routingrule",
        "validation.delete_routingrule",
        "validation.view_routingrule",
        "kb.view_topic",
        "validation.add_authority",
        "validation.change_authority",
        "validation.view_authority",
    ],
    EXPERT: ["kb.view_topic", "validation.view_authority"],
    EDITOR: [
        "kb.add_topic",
        "kb.change_topic",
        "kb.view_topic",
        "kb.add_glossaryterm",
        "kb.change_glossaryterm",
        "kb.delete_glossaryterm",
        "kb.view_glossaryterm",
        "kb.add_legalact",
        "kb.change_legalact",
        "kb.view_legalact",
        "validation.view_authority",
    ],
}


def has_role(user, role):
    return user.is_authenticated and user.groups.filter(name=role).exists()


def has_any_role(user, roles):
    """Superusers, and people in at least one of `roles`."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=roles).exists()


def is_registered_reader(user):
    """Approved operators and the staff of every role may read restricted entries."""
    return has_any_role(user, (OPERATOR, *ADMIN_ROLES))


def ensure_role_groups(root_page=None):
    """Create the role groups with their permissions; safe to run again."""
    root_page = root_page or Page.objects.get(depth=2, sites_rooted_here__is_default_site=True)
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    groups = {}
    for name in (OPERATOR, *ADMIN_ROLES):
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        if name == OPERATOR:
            continue
        group.permissions.add(access_admin)
        for dotted in MODEL_PERMISSIONS[name]:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        for codename in PAGE_PERMISSIONS[name]:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root_page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    return groups


def requires_mfa(user):
    """Everyone who can reach the admin must use a second factor there."""
    return has_any_role(user, ADMIN_ROLES)


def has_mfa(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
