from wagtail.admin.menu import MenuItem

from .roles import has_any_role


class RoleMenuItem(MenuItem):
    """An admin menu item shown to superusers and to the people of the given roles."""

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_shown(self, request):
        return has_any_role(request.user, self.roles)
