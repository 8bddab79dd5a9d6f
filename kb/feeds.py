"""RSS and Atom feeds of newly validated and re-validated entries, overall and per topic."""

import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from questions.html import html_to_text, strip_control

from .models import EntryPage, Topic


class ValidatedEntriesFeed(Feed):
    description = _("Risposte validate dagli enti competenti, le più recenti per prime.")

    def get_object(self, request, topic=None):
        return get_object_or_404(Topic, slug=topic) if topic else None

    def title(self, topic):
        return f"Quesiti · {topic.name}" if topic else "Quesiti · " + str(_("risposte validate"))

    def link(self, topic):
        return topic.page.url if topic else "/"

    def items(self, topic):
        entries = EntryPage.objects.visible_to(AnonymousUser()).for_listing()
        entries = entries.exclude(validated_at=None)
        if topic:
            entries = entries.filter(topic=topic)
        return entries[:50]

    # XML refuses control characters, which a title typed or pasted may carry.
    def item_title(self, entry):
        return strip_control(entry.title)

    def item_description(self, entry):
        # Feed readers show the description as HTML: the answer's text, escaped.
        return escape(strip_control(html_to_text(entry.answer)[:500]))

    def item_link(self, entry):
        return entry.url

    def item_pubdate(self, entry):
        return timezone.make_aware(datetime.datetime.combine(entry.validated_at, datetime.time()))

    def item_categories(self, entry):
        return [entry.topic.name, entry.authority.name]


class ValidatedEntriesAtomFeed(ValidatedEntriesFeed):
    feed_type = Atom1Feed
    subtitle = ValidatedEntriesFeed.description
