from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from kb import views as kb_views
from kb.feeds import ValidatedEntriesAtomFeed, ValidatedEntriesFeed
from search import views as search_views

# Not translated: administration, APIs, feeds, the sitemap and form endpoints.
urlpatterns = [
    # Everyone logs in through allauth, which asks staff for their second factor; the
    # admins' own password-only login forms would skip it.
    path("admin/login/", kb_views.login_elsewhere),
    path("django-admin/login/", kb_views.login_elsewhere),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/search/", search_views.search_api, name="api-search"),
    path("api/similar/", search_views.similar_api, name="api-similar"),
    path("api/autocomplete/", search_views.autocomplete_api, name="api-autocomplete"),
    path("voci/<int:pk>/riscontro/", kb_views.entry_feedback, name="entry_feedback"),
    path("feed/rss/", ValidatedEntriesFeed(), name="feed_rss"),
    path("feed/atom/", ValidatedEntriesAtomFeed(), name="feed_atom"),
    path("feed/<slug:topic>/rss/", ValidatedEntriesFeed(), name="feed_topic_rss"),
    path("feed/<slug:topic>/atom/", ValidatedEntriesAtomFeed(), name="feed_topic_atom"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("healthz/", kb_views.healthz, name="healthz"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Public pages: Italian (the default) without a prefix, English under /en/.
urlpatterns += i18n_patterns(
    path("account/", include("allauth.urls")),
    path("cerca/", search_views.search_page, name="search"),
    path("cerca/apri/<int:log_id>/<int:entry_id>/", search_views.open_result, name="search_open"),
    path("quesiti/", include("questions.urls")),
    path("profilo/", include("accounts.urls")),
    path("glossario/", kb_views.glossary, name="glossary"),
    # Wagtail's catch-all page route must stay last.
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
