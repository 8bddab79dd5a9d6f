"""Import and export of entries in the JSON Lines format of DESIGN.md ("Stable interfaces").

A file is read and checked whole before anything is written, and written in one
transaction, so a bad line imports nothing.
"""

import datetime
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import slugify
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_save_signal_handler
from taggit.models import Tag
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.signals import page_published

from questions.html import CONTROL_CHARACTERS, clean_html, html_to_text
from validation.models import Authority

from .models import (
    EntryLegalReference,
    EntryPage,
    EntryTag,
    HomePage,
    LegalAct,
    Topic,
    TopicPage,
)

REQUIRED_FIELDS = (
    "external_id",
    "title",
    "question",
    "answer",
    "topic",
    "authority",
    "validated_at",
    "review_due",
)
OPTIONAL_FIELDS = ("tags", "legal_references", "language", "demo")
LANGUAGES = {code for code, _ in EntryPage.Language.choices}
MAX_TITLE = 255
MAX_TAG = 100


class EntryFileError(Exception):
    def __init__(self, line, reason):
        self.line = line
        self.reason = reason
        super().__init__(f"riga {line}: {reason}")


@dataclass
class EntryRecord:
    line: int
    external_id: str
    title: str
    question: str
    answer: str
    topic: str
    authority: str
    validated_at: datetime.date
    review_due: datetime.date
    tags: list = field(default_factory=list)
    legal_references: list = field(default_factory=list)
    language: str = "it"
    demo: bool = False

    def as_json(self):
        data = {
            "external_id": self.external_id,
            "title": self.title,
            "question": self.question,
            "answer": self.answer,
            "topic": self.topic,
            "authority": self.authority,
            "tags": self.tags,
            "legal_references": self.legal_references,
            "validated_at": self.validated_at.isoformat(),
            "review_due": self.review_due.isoformat(),
            "language": self.language,
        }
        if self.demo:
            data["demo"] = True
        return data


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _check_characters(value, what, line):
    if CONTROL_CHARACTERS.search(value):
        raise EntryFileError(line, f"{what} contiene caratteri di controllo non ammessi")


def _text(data, name, line, max_length=None):
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise EntryFileError(line, f'il campo "{name}" deve essere un testo non vuoto')
    _check_characters(value, f'il campo "{name}"', line)
    value = value.strip()
    if max_length and len(value) > max_length:
        raise EntryFileError(line, f'il campo "{name}" supera {max_length} caratteri')
    return value


def _date(data, name, line):
    value = data[name]
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise EntryFileError(
            line, f'il campo "{name}" non è una data ISO (AAAA-MM-GG): {value!r}'
        ) from None


def _tags(data, line):
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise EntryFileError(line, 'il campo "tags" deve essere una lista di testi non vuoti')
    cleaned = []
    for tag in tags:
        _check_characters(tag, 'il campo "tags"', line)
        tag = " ".join(tag.lower().split())
        if len(tag) > MAX_TAG:
            raise EntryFileError(line, f'l\'etichetta "{tag[:30]}…" supera {MAX_TAG} caratteri')
        cleaned.append(tag)
    return sorted(set(cleaned))


def _legal_references(data, line):
    refs = data.get("legal_references", [])
    if not isinstance(refs, list):
        raise EntryFileError(line, 'il campo "legal_references" deve essere una lista')
    validate_url = URLValidator(schemes=["http", "https"])
    cleaned = []
    for position, ref in enumerate(refs, start=1):
        where = f"riferimento normativo n. {position}"
        if not isinstance(ref, dict) or set(ref) - {"label", "url"}:
            raise EntryFileError(line, f"{where}: serve un oggetto con label e url")
        label = ref.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 255:
            raise EntryFileError(line, f'{where}: "label" mancante o più lungo di 255 caratteri')
        _check_characters(label, f"{where}: label", line)
        url = ref.get("url") or ""
        if url:
            try:
                validate_url(url)
            except ValidationError:
                raise EntryFileError(line, f"{where}: url non valido: {url!r}") from None
        cleaned.append({"label": label.strip(), "url": url})
    return cleaned


def parse_line(text, line):
    """Check one line of the file and return its EntryRecord, or raise EntryFileError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise EntryFileError(line, f"JSON non valido ({error.msg})") from None
    except RecursionError:
        raise EntryFileError(line, "JSON non valido (troppo annidato)") from None
    if not isinstance(data, dict):
        raise EntryFileError(line, "ogni riga deve essere un oggetto JSON")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise EntryFileError(line, f"mancano i campi obbligatori: {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise EntryFileError(line, f"campi sconosciuti: {', '.join(unknown)}")

    answer = clean_html(_text(data, "answer", line))
    if not html_to_text(answer):
        raise EntryFileError(line, "la risposta è vuota dopo la pulizia dell'HTML")
    validated_at = _date(data, "validated_at", line)
    review_due = _date(data, "review_due", line)
    if review_due <= validated_at:
        raise EntryFileError(line, "review_due deve essere successiva a validated_at")
    language = data.get("language", "it")
    if not isinstance(language, str) or language not in LANGUAGES:
        raise EntryFileError(
            line, f"lingua non prevista: {language!r} (ammesse: {', '.join(sorted(LANGUAGES))})"
        )
    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        raise EntryFileError(line, 'il campo "demo" deve essere true o false')
    return EntryRecord(
        line=line,
        external_id=_text(data, "external_id", line, max_length=100),
        title=_text(data, "title", line, max_length=MAX_TITLE),
        question=_text(data, "question", line),
        answer=answer,
        topic=_text(data, "topic", line),
        authority=_text(data, "authority", line),
        validated_at=validated_at,
        review_due=review_due,
        tags=_tags(data, line),
        legal_references=_legal_references(data, line),
        language=language,
        demo=demo,
    )


def read_entries(lines):
    """Parse and check every line (text, or bytes in UTF-8); the first problem raises
    EntryFileError with its line."""
    records = []
    seen = {}
    topics = set(Topic.objects.values_list("slug", flat=True))
    authorities = set(Authority.objects.values_list("slug", flat=True))
    for number, text in enumerate(lines, start=1):
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise EntryFileError(number, "il testo non è in UTF-8") from None
        if not text.strip():
            continue
        record = parse_line(text, number)
        if record.external_id in seen:
            raise EntryFileError(
                number,
                f'external_id "{record.external_id}" ripetuto '
                f"(già alla riga {seen[record.external_id]})",
            )
        seen[record.external_id] = number
        if record.topic not in topics:
            raise EntryFileError(number, f'tema sconosciuto: "{record.topic}"')
        if record.authority not in authorities:
            raise EntryFileError(number, f'ente sconosciuto: "{record.authority}"')
        records.append(record)
    return records


def entry_record(page):
    """The import-format record of a saved entry (tags and references prefetched)."""
    return EntryRecord(
        line=0,
        external_id=page.external_id,
        title=page.title,
        question=page.question,
        answer=page.answer,
        topic=page.topic.slug,
        authority=page.authority.slug,
        validated_at=page.validated_at,
        review_due=page.review_due,
        tags=sorted(item.tag.name for item in page.tagged_items.all()),
        legal_references=[{"label": r.label, "url": r.url} for r in page.legal_references.all()],
        language=page.language,
        demo=page.is_demo,
    )


def _unique_slug(title, taken):
    base = slugify(title)[:70].strip("-") or "voce"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def ensure_topic_pages(home):
    """The topic page of every topic, created under the home page where missing."""
    pages = {page.topic_id: page for page in TopicPage.objects.child_of(home)}
    for topic in Topic.objects.exclude(id__in=pages):
        page = TopicPage(title=topic.name, slug=topic.slug, topic=topic)
        home.add_child(instance=page)
        page.save_revision().publish()
        pages[topic.id] = page
    return pages


@contextmanager
def indexed_once(pages):
    """Creating and publishing saves a page three times, and each save would update the
    search and reference indices: skip that, then index each page in `pages` once."""
    post_save.disconnect(post_save_signal_handler, sender=EntryPage)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        post_save.connect(post_save_signal_handler, sender=EntryPage)
    if pages:
        # Prefetched: the search fields and the reference index read these relations.
        fresh = list(
            EntryPage.objects.filter(pk__in=[page.pk for page in pages]).prefetch_related(
                "tags", "tagged_items", "legal_references", "wagtail_admin_comments"
            )
        )
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(EntryPage, fresh)
        for page in fresh:
            ReferenceIndex.create_or_update_for_object(page)


@transaction.atomic
def import_entries(records):
    """Create or update (by external_id) a published entry for every record."""
    written = []
    with indexed_once(written):
        report = _import(records, written)
    return report


def _import(records, written):
    report = ImportReport()
    home = HomePage.objects.get()
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    authorities = {a.slug: a for a in Authority.objects.all()}
    tags = _tags_by_name({name for record in records for name in record.tags})
    acts = {}
    topic_pages = ensure_topic_pages(home)
    existing = {
        page.external_id: page
        for page in EntryPage.objects.filter(external_id__in=[r.external_id for r in records])
        .select_related("topic", "authority")
        .prefetch_related("tagged_items__tag", "legal_references")
    }
    slugs = {
        topic_id: set(EntryPage.objects.child_of(page).values_list("slug", flat=True))
        for topic_id, page in topic_pages.items()
    }

    new = []
    for record in records:
        page = existing.get(record.external_id)
        if page is not None and page.live and entry_record(page).as_json() == record.as_json():
            report.unchanged += 1
            continue
        topic = topics[record.topic]
        parent = topic_pages[topic.id]
        if page is None:
            page = EntryPage(
                external_id=record.external_id,
                slug=_unique_slug(record.title, slugs[topic.id]),
                topic=topic,
            )
            _fill(page, record, authorities, tags, acts)
            new.append((parent, page))
            report.created += 1
            continue
        if page.topic_id != topic.id:
            if page.slug in slugs[topic.id]:
                page.slug = _unique_slug(record.title, slugs[topic.id])
                page.save(update_fields=["slug"])
            page.move(parent, pos="last-child")
            page.refresh_from_db()
        _fill(page, record, authorities, tags, acts)
        page.save_revision().publish()
        written.append(page)
        report.updated += 1
    written += _publish_new(new)
    return report


def _tags_by_name(names):
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in sorted(names - set(tags)):
        tags[name] = Tag.objects.create(name=name)
    return tags


def _fill(page, record, authorities, tags, acts):
    page.title = record.title
    page.question = record.question
    page.answer = record.answer
    page.authority = authorities[record.authority]
    page.validated_at = record.validated_at
    page.review_due = record.review_due
    page.language = record.language
    page.is_demo = record.demo
    page.tags.set([tags[name] for name in record.tags])
    references = []
    for position, ref in enumerate(record.legal_references):
        if ref["label"] not in acts:
            acts[ref["label"]] = LegalAct.for_label(ref["label"])
        act, article = acts[ref["label"]]
        references.append(EntryLegalReference(sort_order=position, act=act, article=article, **ref))
    page.legal_references = references


def _publish_new(entries):
    """Create and publish new entries, writing the rows that add_child, save_revision and
    publish would write, in batches. Those three validate and re-read each page several
    times (about 120 queries per entry), which made imports ten times slower; the records
    were already checked by read_entries."""
    now = timezone.now()
    by_parent = defaultdict(list)
    for parent, page in entries:
        by_parent[parent].append(page)
    for parent, pages in by_parent.items():
        last = parent.get_last_child()
        first_step = last._get_lastpos_in_path() + 1 if last else 1
        for step, page in enumerate(pages, start=first_step):
            page.depth = parent.depth + 1
            page.path = EntryPage._get_path(parent.path, page.depth, step)
            page.url_path = f"{parent.url_path}{page.slug}/"
            page.locale_id = parent.locale_id
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))

    pages = [page for _parent, page in entries]
    for page in pages:
        page.draft_title = page.title
        page.live, page.has_unpublished_changes = True, False
        page.first_published_at = page.last_published_at = now
        page.latest_revision_created_at = now
        # The page and entry rows only; tags and references follow in bulk.
        models.Model.save(page)
    EntryTag.objects.bulk_create(item for page in pages for item in page.tagged_items.all())
    EntryLegalReference.objects.bulk_create(
        ref for page in pages for ref in page.legal_references.all()
    )
    revisions = Revision.objects.bulk_create(
        Revision(
            content_type_id=page.content_type_id,
            base_content_type=page.get_base_content_type(),
            object_id=str(page.pk),
            created_at=now,
            content=page.serializable_data(),
            object_str=str(page),
        )
        for page in pages
    )
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision = page.live_revision = revision
    Page.objects.bulk_update(pages, ["latest_revision", "live_revision"])
    entry_type = ContentType.objects.get_for_model(EntryPage)
    PageLogEntry.objects.bulk_create(
        PageLogEntry(
            content_type=entry_type,
            page=page,
            label=str(page),
            action=action,
            timestamp=now,
            revision=revision if action == "wagtail.publish" else None,
            content_changed=True,
        )
        for page, revision in zip(pages, revisions, strict=True)
        for action in ("wagtail.create", "wagtail.publish")
    )
    for page, revision in zip(pages, revisions, strict=True):
        page_published.send(sender=EntryPage, instance=page, revision=revision)
    return pages


def export_entries(out):
    """Write every published entry to `out` as JSON Lines; return how many."""
    pages = (
        EntryPage.objects.live()
        .select_related("topic", "authority")
        .prefetch_related("tagged_items__tag", "legal_references")
        .order_by("external_id")
    )
    count = 0
    for page in pages.iterator(chunk_size=500):
        out.write(json.dumps(entry_record(page).as_json(), ensure_ascii=False) + "\n")
        count += 1
    return count
