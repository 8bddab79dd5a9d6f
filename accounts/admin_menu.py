from wagtail.admin.menu import MenuItem

from .roles import has_role


class RoleMenuItem(MenuItem):
    """An admin menu item shown to superusers and to the people of the given roles."""

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_shown(self, request):
        user = request.user
        return user.is_superuser or any(has_role(user, role) for role in self.roles)
