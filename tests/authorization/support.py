"""Helpers of the authorization matrix (tests/test_authorization_matrix.py): the project's URLs
as the URL configuration declares them, what a response means for the table, the whole
database state, and the fields of a form as a browser would post them."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.urls import URLResolver, get_resolver, reverse

PROJECT_APPS = ("kb", "questions", "validation", "search", "accounts")

# Rows written by reading or by logging in, not by the writes under test.
VOLATILE_MODELS = {
    "sessions.session",
    "wagtailusers.userprofile",  # made on a first visit to the admin
    "wagtailadmin.editingsession",  # made when the page editor is opened
    "wagtailcore.pagesubscription",  # made when the page editor is opened
}
VOLATILE_FIELDS = {"accounts.user": {"last_login"}}


def _view_module(callback):
    return getattr(callback, "__module__", None) or type(callback).__module__


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if inner:
                inner = f"{namespace}:{inner}" if namespace else inner
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace
            )
        else:
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name or prefix + str(pattern.pattern), _view_module(pattern.callback)


def project_urls():
    """The key of every URL whose view is the project's own: its name with the namespace, or
    its route when it has none. Wagtail's and allauth's URLs are not the project's."""
    return sorted(
        {
            key
            for key, module in _walk(get_resolver().url_patterns)
            if module and module.split(".")[0] in PROJECT_APPS
        }
    )


def login_paths():
    """The login page, and the admin's login URL that forwards to it (kb.views)."""
    return {reverse("account_login"), reverse("wagtailadmin_login")}


def response_code(response):
    """The response in the words of the table: a status, or "login" for a redirect there."""
    if response.status_code == 302:
        return "login" if urlsplit(response["Location"]).path in login_paths() else "302"
    return str(response.status_code)


def database_state():
    """Every row of every table, as values: two states compare equal when nothing changed."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in VOLATILE_MODELS:
            continue
        volatile = VOLATILE_FIELDS.get(meta.label_lower, set())
        fields = [field.attname for field in meta.concrete_fields if field.name not in volatile]
        state[meta.label_lower] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after[label])


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or (tag != "option" and not attrs.get("name")):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append(
                (attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = [attrs["name"], []]
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self._select[1].append(attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, chosen = self._select
            self.fields += [(name, value) for value in chosen]
            self._select = None


def form_data(html, form_id):
    """What a browser would post from the form `form_id` of `html`, untouched."""
    parser = _FormParser(form_id)
    parser.feed(html)
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}
