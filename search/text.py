"""Italian text handling shared by both engines: elisions, accents, plural and verb forms."""

import re
import unicodedata

# Words too common to say what a question is about.
STOPWORDS = set(
    """a ad al alla alle agli ai allo anche avere come con da dal dalla dei del della delle
    dello di e è ed gli ha hanno ho i il in la le lo ma mi ne nel nella non o per più può
    quale quali quando questo questa se si sono su sua suo tra un una uno che cosa chi dove
    deve devono essere fare viene vengono ogni già ancora l un dell all nell sull dall
    c d s n quel quell""".split()
)

# Zero-width space: Unicode word segmentation (and so Elasticsearch's standard tokenizer)
# breaks on it, so "dell'anagrafe" becomes "dell'" + "anagrafe" while reading the same.
ELISION_BREAK = "\u200b"
ELISION = re.compile(r"(?<=\w)(['’])(?=\w)")

# Verb and derivation endings tried before the plural/gender rule, longest first.
VERB_ENDINGS = sorted(
    """amento imento azione azioni ando endo are ere ire ato ata ati ate uto uta uti ute
    ito ita iti ite""".split(),
    key=len,
    reverse=True,
)


def split_elisions(text):
    """Mark the break after an elided article or preposition (l', dell', un', all' ...)."""
    return ELISION.sub(r"\1" + ELISION_BREAK, text)


def join_elisions(text):
    """Undo split_elisions, for text shown to readers."""
    return text.replace(ELISION_BREAK, "")


def fold(text):
    """Lowercase, without accents: "Perché la città" → "perche la citta"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text):
    """The words of `text`, folded, elisions split: "Dell'anagrafe è" → ["dell", "anagrafe",
    "e"]."""
    return re.findall(r"\w+", fold(text).replace("’", "'").replace("'", " "))


def stem(word):
    """A light Italian stem: the same for singular and plural, masculine and feminine, and
    the common verb forms ("richiedenti", "richiedente" → "richiedent"; "rinnovare",
    "rinnovato", "rinnovo" → "rinnov"). After J. Savoy's light stemmer (as in Lucene)."""
    if len(word) < 6 or not word.isalpha():
        return word
    for ending in VERB_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    last, before = word[-1], word[-2]
    if last in "ei" and before in "ih":
        return word[:-2]
    if last in "ao" and before == "i":
        return word[:-2]
    if last in "aeio":
        return word[:-1]
    return word


def keywords(text):
    """Folded, stemmed words without stopwords: what a text is about, for matching."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def mentioned_terms(text, terms):
    """The glossary terms that `text` names by any of their names (case and accents
    ignored): "pds scaduto" names "permesso di soggiorno"."""
    haystack = f" {' '.join(words(text))} "
    return [term for term in terms if any(phrase in haystack for phrase in term.phrases)]
