import json
import uuid

from django.core.validators import slug_unicode_re
from django.db import models
from django.db.models import Count, Q, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from kb.caching import CachedPageMixin
from kb.reads import count_read
from questions.html import html_to_text
from validation.models import Authority

ANSWER_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link"]


class Topic(models.Model):
    """A theme of the taxonomy; questions, routing rules and entries refer to it."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("nome"), max_length=120)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("tema")
        verbose_name_plural = _("temi")

    def __str__(self):
        return self.name


class LegalAct(models.Model):
    """A law cited by entries ("D.Lgs. 286/1998"). Marking it amended flags every entry
    validated before the amendment for re-validation."""

    name = models.CharField(_("atto"), max_length=120, unique=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    amended_on = models.DateField(
        _("modificato il"),
        null=True,
        blank=True,
        help_text=_("Data della modifica: le voci validate prima vanno rivalidate."),
    )
    amendment_note = models.CharField(_("cosa è cambiato"), max_length=255, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("amended_on"),
        FieldPanel("amendment_note"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("atto normativo")
        verbose_name_plural = _("atti normativi")

    def __str__(self):
        return self.name

    @classmethod
    def for_label(cls, label):
        """("D.Lgs. 286/1998, art. 5") → (the act "D.Lgs. 286/1998", "art. 5")."""
        name, _sep, article = label.partition(",")
        act, _created = cls.objects.get_or_create(name=name.strip()[:120])
        return act, article.strip()[:100]


class HomePage(CachedPageMixin, RoutablePageMixin, Page):
    intro = RichTextField(_("introduzione"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["kb.TopicPage", "kb.GuidePage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("pagina iniziale")

    @path("v/<int:pk>/", name="short_link")
    def short_link(self, request, pk):
        """The permanent short link of an entry: it survives renames and moves."""
        # `id`, not `pk` (the parent link): an id out of range is then "not found".
        entry = get_object_or_404(EntryPage.objects.live().public(), id=pk)
        return redirect(entry.url, permanent=False)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["topic_pages"] = (
            TopicPage.objects.live()
            .child_of(self)
            .select_related("topic")
            .annotate(
                entry_count=Count(
                    "topic__entries", filter=Q(topic__entries__live=True), distinct=True
                )
            )
            .order_by("title")
        )
        context["latest_entries"] = EntryPage.objects.live().public().for_listing()[:8]
        context["featured_guides"] = GuidePage.objects.live().public().filter(featured=True)[:4]
        return context


class TopicPage(CachedPageMixin, Page):
    topic = models.OneToOneField(
        Topic, verbose_name=_("tema"), on_delete=models.PROTECT, related_name="page"
    )
    intro = RichTextField(_("introduzione"), blank=True, features=["bold", "italic", "link", "ul"])

    content_panels = Page.content_panels + [FieldPanel("topic"), FieldPanel("intro")]
    parent_page_types = ["kb.HomePage"]
    subpage_types = ["kb.EntryPage"]

    class Meta:
        verbose_name = _("pagina di tema")
        verbose_name_plural = _("pagine di tema")

    SORTS = {"recenti": ("-validated_at", "title"), "piu-letti": ("-view_count", "title")}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        entries = EntryPage.objects.live().public().child_of(self).for_listing()
        # Only slugs reach the database (PostgreSQL refuses a NUL, for one).
        authority = request.GET.get("ente", "")
        if slug_unicode_re.match(authority):
            entries = entries.filter(authority__slug=authority)
        tag = request.GET.get("etichetta", "")
        if slug_unicode_re.match(tag):
            entries = entries.filter(tagged_items__tag__slug=tag)
        sort = request.GET.get("ordine", "recenti")
        sort = sort if sort in self.SORTS else "recenti"
        all_entries = EntryPage.objects.live().public().child_of(self)
        context.update(
            entries=entries.order_by(*self.SORTS[sort]),
            sort=sort,
            selected={"ente": authority, "etichetta": tag},
            authorities=Authority.objects.filter(entries__in=all_entries).distinct(),
            topic_tags=Tag.objects.filter(kb_entrytag_items__content_object__in=all_entries)
            .distinct()
            .order_by("name"),
            guides=GuidePage.objects.live().public().filter(topic_id=self.topic_id),
        )
        return context


class EntryTag(TaggedItemBase):
    content_object = ParentalKey(
        "kb.EntryPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class EntryQuerySet(PageQuerySet):
    def visible_to(self, user):
        """Live entries `user` may read in full: restricted ones need a registered reader."""
        from accounts.roles import is_registered_reader

        entries = self.live().public()
        if is_registered_reader(user):
            return entries
        return entries.filter(visibility=EntryPage.Visibility.PUBLIC)

    def for_listing(self):
        return self.select_related("topic", "authority").order_by("-validated_at", "title")


EntryPageManager = PageManager.from_queryset(EntryQuerySet)


class ValidationDatePanel(FieldPanel):
    """A date only the validation sets: read-only, and "non ancora" rather than "None" on a
    draft never validated."""

    def __init__(self, field_name, **kwargs):
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value):
        return _("non ancora") if value is None else super().format_value_for_display(value)


class EntryPage(CachedPageMixin, Page):
    """A validated answer: the question, the answer and the stamp of who validated it."""

    class Language(models.TextChoices):
        ITALIAN = "it", _("Italiano")
        ENGLISH = "en", _("English")

    external_id = models.CharField(
        _("identificativo esterno"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_("Chiave per import ed export; assegnata in automatico se vuota."),
    )
    question = models.TextField(_("domanda"))
    answer = RichTextField(_("risposta"), features=ANSWER_FEATURES)
    topic = models.ForeignKey(
        Topic, verbose_name=_("tema"), on_delete=models.PROTECT, related_name="entries"
    )
    authority = models.ForeignKey(
        "validation.Authority",
        verbose_name=_("ente competente"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    validated_at = models.DateField(_("validata il"), null=True, blank=True)
    review_due = models.DateField(_("da rivedere entro"), null=True, blank=True)
    language = models.CharField(
        _("lingua"), max_length=5, choices=Language.choices, default=Language.ITALIAN
    )
    joint_authority = models.ForeignKey(
        "validation.Authority",
        verbose_name=_("secondo ente (validazione congiunta)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="joint_entries",
        help_text=_(
            "Se indicato, la voce si pubblica solo dopo la validazione di entrambi gli enti."
        ),
    )
    needs_revalidation = models.BooleanField(_("da rivalidare"), default=False)
    revalidation_reason = models.CharField(
        _("motivo della rivalidazione"), max_length=255, blank=True
    )

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Pubblica")
        OPERATORS = "operators", _("Solo operatori registrati")

    visibility = models.CharField(
        _("visibilità"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_("Le voci riservate appaiono ai lettori anonimi solo con il titolo."),
    )
    is_demo = models.BooleanField(_("contenuto dimostrativo"), default=False)
    view_count = models.PositiveIntegerField(_("letture"), default=0, editable=False)
    tags = ClusterTaggableManager(through=EntryTag, blank=True, verbose_name=_("etichette"))

    objects = EntryPageManager()

    content_panels = Page.content_panels + [
        FieldPanel("question"),
        FieldPanel("answer"),
        MultiFieldPanel(
            [FieldPanel("authority"), FieldPanel("joint_authority"), FieldPanel("tags")],
            heading=_("Classificazione"),
        ),
        MultiFieldPanel(
            [
                ValidationDatePanel("validated_at"),
                ValidationDatePanel("review_due"),
                FieldPanel("language"),
            ],
            heading=_("Validazione"),
        ),
        InlinePanel("legal_references", heading=_("Riferimenti normativi"), label=_("riferimento")),
    ]
    promote_panels = Page.promote_panels + [
        FieldPanel("visibility"),
        FieldPanel("external_id"),
        FieldPanel("is_demo"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("question"),
        index.SearchField("answer"),
        index.SearchField("search_keywords"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("topic"),
        index.FilterField("authority"),
        index.FilterField("language"),
        index.FilterField("visibility"),
    ]

    parent_page_types = ["kb.TopicPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("voce")
        verbose_name_plural = _("voci")

    def save(self, *args, **kwargs):
        if not self.external_id:
            self.external_id = f"q-{uuid.uuid4().hex[:16]}"
        # The topic is the one of the topic page the entry lives under.
        if self.depth and self.depth > 1:
            parent_path = self.path[: -self.steplen]
            topic_id = (
                TopicPage.objects.filter(path=parent_path)
                .values_list("topic_id", flat=True)
                .first()
            )
            if topic_id:
                self.topic_id = topic_id
        return super().save(*args, **kwargs)

    def search_keywords(self):
        """The stems of the entry's words without accents, for the database engine, which
        then matches plurals, verb forms and unaccented spellings (search.text)."""
        from search.text import keywords

        # Kept per text: the database backend asks three times per indexing.
        source = (self.title, self.question, self.answer)
        if getattr(self, "_keywords", (None,))[0] != source:
            text = f"{self.title} {self.question} {html_to_text(self.answer)}"
            self._keywords = (source, " ".join(dict.fromkeys(keywords(text))))
        return self._keywords[1]

    def is_restricted_for(self, user):
        from accounts.roles import is_registered_reader

        return self.visibility != self.Visibility.PUBLIC and not is_registered_reader(user)

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if not getattr(request, "is_preview", False):
            # The counter orders the topic page by "most read"; cached reads count too.
            count_read(self.pk)
            response.read_entry = self.pk
        return response

    def get_template(self, request, *args, **kwargs):
        if self.is_restricted_for(request.user):
            return "kb/entry_page_restricted.html"
        return super().get_template(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.is_restricted_for(request.user):
            return context
        context["legal_references"] = self.legal_references.select_related("act")
        context["entry_tags"] = self.tags.all()
        context["stamps"] = self.latest_stamps()
        context["structured_data"] = self.structured_data(request)
        context["related"] = self.related_entries(request.user)
        context["short_link"] = request.build_absolute_uri(f"/v/{self.pk}/")
        context["revalidation_notice"] = self.is_due_for_revalidation()
        return context

    def structured_data(self, request):
        """schema.org QAPage as JSON, safe inside a <script> element."""
        answer = {
            "@type": "Answer",
            "text": html_to_text(self.answer),
            "url": self.get_full_url(request),
            "author": {"@type": "GovernmentOrganization", "name": self.authority.name},
        }
        if self.validated_at:
            answer["dateCreated"] = self.validated_at.isoformat()
        data = {
            "@context": "https://schema.org",
            "@type": "QAPage",
            "mainEntity": {
                "@type": "Question",
                "name": self.title,
                "text": self.question,
                "answerCount": 1,
                "acceptedAnswer": answer,
            },
        }
        text = json.dumps(data, ensure_ascii=False)
        for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(character, escaped)
        return mark_safe(text)

    def related_entries(self, user, limit=4):
        """Entries of the same topic whose text is closest to this one."""
        from search.service import similar

        hits = similar(
            f"{self.title} {self.question}",
            limit=limit + 1,
            user=user,
            filters={"topic": self.topic.slug},
        )
        return [hit for hit in hits if hit.id != self.pk][:limit]

    def latest_stamps(self):
        """The stamps of the last validation (two for a joint one); none for imported entries."""
        latest = self.stamps.order_by("-created_at").values("task_state_id")[:1]
        return self.stamps.filter(task_state_id=Subquery(latest)).select_related("authority")

    def is_due_for_revalidation(self):
        return self.needs_revalidation or bool(
            self.review_due and self.review_due < timezone.localdate()
        )


class EntryLegalReference(Orderable):
    page = ParentalKey(EntryPage, on_delete=models.CASCADE, related_name="legal_references")
    act = models.ForeignKey(
        LegalAct,
        verbose_name=_("atto"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="references",
    )
    article = models.CharField(_("articolo"), max_length=100, blank=True)
    label = models.CharField(_("riferimento"), max_length=255)
    url = models.URLField(_("link"), max_length=500, blank=True)

    panels = [FieldPanel("act"), FieldPanel("article"), FieldPanel("label"), FieldPanel("url")]

    def save(self, *args, **kwargs):
        if self.act_id is None:
            self.act, self.article = LegalAct.for_label(self.label)
        return super().save(*args, **kwargs)

    class Meta(Orderable.Meta):
        verbose_name = _("riferimento normativo")
        verbose_name_plural = _("riferimenti normativi")

    def __str__(self):
        return self.label


class GlossaryTerm(models.Model):
    """A term of the trade, its meaning, and the words people also use for it. The search
    service expands queries with the synonyms."""

    term = models.CharField(_("termine"), max_length=100, unique=True)
    definition = models.TextField(_("definizione"))
    synonyms = models.CharField(
        _("sinonimi e sigle"),
        max_length=500,
        blank=True,
        help_text=_("Separati da virgole, es. «pds, permesso»."),
    )
    english_synonyms = models.CharField(
        _("sinonimi in inglese"),
        max_length=500,
        blank=True,
        help_text=_("Separati da virgole, es. «residence permit»."),
    )

    panels = [
        FieldPanel("term"),
        FieldPanel("definition"),
        FieldPanel("synonyms"),
        FieldPanel("english_synonyms"),
    ]

    class Meta:
        ordering = ["term"]
        verbose_name = _("voce del glossario")
        verbose_name_plural = _("glossario")

    def __str__(self):
        return self.term

    def all_names(self):
        """The term and its synonyms (Italian and English), without blanks."""
        names = [*self.italian_names(), *self.english_synonyms.split(",")]
        return [name.strip() for name in names if name.strip()]

    def italian_names(self):
        names = [self.term, *self.synonyms.split(",")]
        return [name.strip() for name in names if name.strip()]

    @cached_property
    def phrases(self):
        """Each name as search.text words, padded with spaces, to find it in a text."""
        from search.text import words

        return [f" {' '.join(words(name))} " for name in self.all_names()]


class EntryChooserBlock(blocks.PageChooserBlock):
    def __init__(self, **kwargs):
        super().__init__(page_type="kb.EntryPage", **kwargs)


class StepsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("titolo"), required=False)
    steps = blocks.ListBlock(blocks.TextBlock(label=_("passo")), label=_("passi"))

    class Meta:
        icon = "list-ol"
        label = _("Passi")
        template = "kb/blocks/steps.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("note", _("Nota")), ("warning", _("Attenzione")), ("tip", _("Consiglio"))],
        default="note",
        label=_("tipo"),
    )
    text = blocks.RichTextBlock(features=["bold", "italic", "link"], label=_("testo"))

    class Meta:
        icon = "warning"
        label = _("Riquadro")
        template = "kb/blocks/callout.html"


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("titolo della sezione"))
    body = blocks.StreamBlock(
        [
            ("text", blocks.RichTextBlock(features=ANSWER_FEATURES, label=_("testo"))),
            ("steps", StepsBlock()),
            (
                "entries",
                blocks.ListBlock(
                    EntryChooserBlock(), label=_("voci scelte"), template="kb/blocks/entries.html"
                ),
            ),
            ("callout", CalloutBlock()),
        ],
        label=_("contenuto"),
    )

    class Meta:
        icon = "doc-full"
        label = _("Sezione")
        template = "kb/blocks/section.html"


class GuidePage(CachedPageMixin, Page):
    """A themed guide curated by editors: ordered sections of text, steps and chosen entries."""

    topic = models.ForeignKey(
        Topic,
        verbose_name=_("tema"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guides",
    )
    introduction = RichTextField(_("introduzione"), features=["bold", "italic", "link"])
    featured = models.BooleanField(_("in evidenza nella pagina iniziale"), default=False)
    sections = StreamField([("section", SectionBlock())], verbose_name=_("sezioni"))

    content_panels = Page.content_panels + [
        FieldPanel("topic"),
        FieldPanel("featured"),
        FieldPanel("introduction"),
        FieldPanel("sections"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("sections"),
    ]
    parent_page_types = ["kb.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("guida")
        verbose_name_plural = _("guide")

    def entry_ids(self):
        ids = []
        for section in self.sections:
            for block in section.value["body"]:
                if block.block_type == "entries":
                    ids += [page.pk for page in block.value if page is not None]
        return ids

    def contained_entries(self):
        return EntryPage.objects.filter(pk__in=self.entry_ids()).select_related("authority")

    def entries_due_for_revalidation(self):
        return [entry for entry in self.contained_entries() if entry.is_due_for_revalidation()]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guide_entries"] = self.contained_entries().visible_to(request.user)
        return context


class Feedback(models.Model):
    """ "Questa risposta ti è stata utile?" — from any reader, no account needed."""

    entry = models.ForeignKey(EntryPage, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("utile"))
    comment = models.TextField(_("commento"), blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    question = models.ForeignKey(
        "questions.Question",
        verbose_name=_("quesito creato"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("riscontro")
        verbose_name_plural = _("riscontri")

    def __str__(self):
        return f"{self.entry_id} {'+' if self.helpful else '-'} {self.created_at:%Y-%m-%d}"


class PublishedGeneration(models.Model):
    """A number that grows whenever published content changes: cached anonymous pages are
    keyed by it, so every worker process sees the change at once."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.value)


class OutgoingEmail(models.Model):
    """An e-mail the site sends, kept until the mail server has taken it (kb/mail.py)."""

    created_at = models.DateTimeField(auto_now_add=True)
    from_email = models.CharField(max_length=255)
    to = models.JSONField()
    subject = models.TextField()
    body = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("e-mail in uscita")
        verbose_name_plural = _("e-mail in uscita")

    def __str__(self):
        return f"{self.pk} {self.subject}"
