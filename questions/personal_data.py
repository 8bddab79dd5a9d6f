"""Find personal data pasted into a question, so the operator can anonymise it before sending.

Questions about immigration procedures are full of law numbers, dates of laws and deadlines,
amounts and form codes: the detector favours precision, validates check digits where a format
has them, and asks for a context word where a bare number would be ambiguous.
"""

import re
from dataclasses import dataclass
from itertools import islice

from django.utils.html import escape

KINDS = ("codice_fiscale", "phone", "email", "iban", "document_number", "birth_date")

LABELS = {
    "codice_fiscale": "codice fiscale",
    "phone": "numero di telefono",
    "email": "indirizzo e-mail",
    "iban": "IBAN",
    "document_number": "numero di documento",
    "birth_date": "data di nascita",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    label: str
    start: int
    end: int
    text: str


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in `text`, sorted by position, without overlaps."""
    # Phones and document numbers are looked for with law references, dates and amounts
    # blanked out, so that "D.Lgs. 286/1998" or "prot. 0123456" cannot look like one.
    masked = _mask_references(text)
    candidates = [
        *(("codice_fiscale", span) for span in _codici_fiscali(text)),
        *(("phone", span) for span in _phones(masked)),
        *(("email", span) for span in _emails(text)),
        *(("iban", span) for span in _ibans(text)),
        *(("document_number", span) for span in _document_numbers(masked)),
        *(("birth_date", span) for span in _birth_dates(text)),
    ]
    # Where two candidates overlap, the earlier wins, then the longer, then the order of KINDS
    # (a phone number after "documento" is a phone number).
    candidates.sort(key=lambda c: (c[1][0], c[1][0] - c[1][1], KINDS.index(c[0])))
    findings = []
    for kind, (start, end) in candidates:
        if findings and start < findings[-1].end:
            continue
        findings.append(Finding(kind, LABELS[kind], start, end, text[start:end]))
    return findings


def highlight(text: str, findings: list[Finding]) -> str:
    """`text` as escaped HTML, each finding wrapped in a <mark> titled with its label."""
    parts = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts += [
            escape(text[position : finding.start]),
            f'<mark class="dato-personale" title="{escape(finding.label)}">',
            escape(text[finding.start : finding.end]),
            "</mark>",
        ]
        position = finding.end
    parts.append(escape(text[position:]))
    return "".join(parts)


# --- Codice fiscale ---------------------------------------------------------------------------

# Letters that stand for the digits 0-9 in an omocodic codice fiscale.
_OMOCODIA = "LMNPQRSTUV"
_CF_DIGIT = f"[0-9{_OMOCODIA}]"
_CODICE_FISCALE = re.compile(
    rf"(?<![A-Za-z0-9])[A-Z]{{6}}{_CF_DIGIT}{{2}}[ABCDEHLMPRST]{_CF_DIGIT}{{2}}"
    rf"[A-Z]{_CF_DIGIT}{{3}}[A-Z](?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Values of A..Z (and of 0..9, which count as A..J) in the odd positions of the check.
_CF_ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10]
_CF_ODD_VALUES += [22, 25, 24, 23]

# The 11-digit numeric code (e.g. the provisional one of asylum seekers) is only an ambiguous
# number, so it needs "codice fiscale", "C.F." or "CF" right before it.
_NUMERIC_CODICE_FISCALE = re.compile(
    r"(?<![\w.])(?:codice\s+fiscale|cod\.\s*fisc\.?|c\.\s*f\.|cf)(?!\w)"
    r"[\s:]*(?:(?:provvisorio|numerico|n\.|n°|nr\.?|numero)[\s:]*)*"
    r"(\d{11})(?!\d)",
    re.IGNORECASE,
)


def _codici_fiscali(text):
    for match in _CODICE_FISCALE.finditer(text):
        code = match.group().upper()
        day = int("".join(str(_OMOCODIA.find(c)) if c in _OMOCODIA else c for c in code[9:11]))
        # Women have 40 added to the day of birth.
        if (1 <= day <= 31 or 41 <= day <= 71) and _cf_check_char(code[:15]) == code[15]:
            yield match.span()
    for match in _NUMERIC_CODICE_FISCALE.finditer(text):
        if _numeric_check_digit(match.group(1)) == match.group(1)[10]:
            yield match.span(1)


def _cf_check_char(first_15):
    total = 0
    for position, char in enumerate(first_15):
        value = int(char) if char.isdigit() else ord(char) - ord("A")
        # Positions are counted from 1 in the official algorithm: index 0 is "odd".
        total += _CF_ODD_VALUES[value] if position % 2 == 0 else value
    return chr(ord("A") + total % 26)


def _numeric_check_digit(digits):
    """Check digit of an 11-digit codice fiscale or partita IVA (a Luhn variant)."""
    total = 0
    for position, char in enumerate(digits[:10]):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


# --- Phone numbers ----------------------------------------------------------------------------

# A run of digit groups joined by single separators; the phone number is looked for inside it,
# because a run may also hold a neighbouring number ("1990 333 1234567").
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\d+(?:[ ./-]\d+)*")
_DIGIT_GROUP = re.compile(r"\+?\d+")
_ITALIAN_PHONE = re.compile(r"3\d{8,9}|0[1-9]\d{5,9}")


def _phones(masked):
    for run in _DIGIT_RUN.finditer(masked):
        groups = [g.span() for g in _DIGIT_GROUP.finditer(masked, run.start(), run.end())]
        # From each group, the longest stretch of groups that makes a phone number.
        first = 0
        while first < len(groups):
            for last in range(len(groups) - 1, first - 1, -1):
                start, end = groups[first][0], groups[last][1]
                if _is_phone(masked[start:end]):
                    yield start, end
                    first = last
                    break
            first += 1


def _is_phone(candidate):
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+"):
        if not digits.startswith("39"):
            return False
        digits = digits[2:]
    elif digits.startswith("0039"):
        digits = digits[4:]
    return bool(_ITALIAN_PHONE.fullmatch(digits))


# --- E-mail and IBAN --------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}"
    r"(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def _emails(text):
    for match in _EMAIL.finditer(text):
        yield match.span()


def _ibans(text):
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # A spaced IBAN may have swallowed a short word after it ("... 0123 456 per"):
        # drop trailing groups until the check validates.
        ends = [len(candidate)] + [
            i for i in range(len(candidate) - 1, 0, -1) if candidate[i] == " "
        ]
        for end in ends:
            if _valid_iban(candidate[:end].replace(" ", "").upper()):
                yield match.start(), match.start() + end
                break


def _valid_iban(iban):
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# --- Document numbers -------------------------------------------------------------------------

# Italian passport (YA1234567, also YA 1234567) and electronic identity card (CA12345AB).
_DOCUMENT_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}(?: ?\d{7}|\d{5}[A-Z]{2})(?![A-Za-z0-9])")
# Words after which a code is a document number. "CUI" and "PSE" only in capitals ("in cui");
# "permesso" and "ricevuta" only with "n."/"numero", since "permesso di soggiorno per lavoro
# ai sensi dell'art. 22" is the everyday subject of a question.
_DOCUMENT_CONTEXT = re.compile(
    r"\b(?:(?:CUI|PSE|(?i:passaport[oi]|carta\s+d['’]\s*identit[àa]|carta\s+di\s+identit[àa]"
    r"|document[oi]|titol[oi]\s+di\s+soggiorno))(?!\w)"
    r"|(?i:(?:permesso|ricevuta)(?:\s+\S+){0,4}?\s+(?:n\.|n°|(?:nr|numero)\b\.?)))"
)
_DOCUMENT_WINDOW = 5  # words after the context word
_WORD = re.compile(r"\S+")
_DOCUMENT_CODE = re.compile(r"\W*([A-Za-z0-9]{6,12})\W*")


def _document_numbers(masked):
    for match in _DOCUMENT_SHAPE.finditer(masked):
        yield match.span()
    for context in _DOCUMENT_CONTEXT.finditer(masked):
        for word in islice(_WORD.finditer(masked, context.end()), _DOCUMENT_WINDOW):
            code = _DOCUMENT_CODE.fullmatch(word.group())
            if code and sum(char.isdigit() for char in code.group(1)) >= 3:
                yield word.start() + code.start(1), word.start() + code.end(1)
                break


# --- Dates and birth dates --------------------------------------------------------------------

_MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()
_DATE = re.compile(
    r"(?<![\d/.-])(?:"
    r"(?P<day>\d{1,2})(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?:\d{4}|\d{2})"
    r"|\d{4}-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})"
    rf"|(?P<text_day>\d{{1,2}})°?\s+(?:{'|'.join(_MONTHS)})\s+\d{{4}}"
    r")(?!\d|[./-]\d)",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(r"\b(?:nat[oaie]|nascita|born)\b|\bn\.(?=\s*il\b)", re.IGNORECASE)
# Between the birth word and the date only connectives and place names may appear:
# "nato a Lagos (Nigeria) il", "data di nascita:", "nata in data".
_BIRTH_GAP_WORDS = {"il", "in", "a", "d", "data", "di", "giorno", "on", "at"}
_LAW_WORDS = {"legge", "decreto", "dpr", "circolare", "entro", "termine", "scadenza"}
# A further date in a list of births: "nati il 12/03/2015 e il 05/06/2018".
_NEXT_BIRTH_GAP = re.compile(r",?\s+(?:e|ed|and)\s+(?:il\s+|on\s+)?")


def _dates(text):
    for match in _DATE.finditer(text):
        if match["text_day"]:
            valid = 1 <= int(match["text_day"]) <= 31
        else:
            day = int(match["day"] or match["iso_day"])
            month = int(match["month"] or match["iso_month"])
            valid = 1 <= day <= 31 and 1 <= month <= 12
        if valid:
            yield match.span()


def _birth_dates(text):
    contexts = [match.end() for match in _BIRTH_CONTEXT.finditer(text)]
    previous_end = None
    for start, end in _dates(text):
        anchor = max((c for c in contexts if c <= start), default=None)
        after_context = anchor is not None and _is_birth_gap(text[anchor:start])
        next_in_list = previous_end is not None and _NEXT_BIRTH_GAP.fullmatch(
            text[previous_end:start]
        )
        if after_context or next_in_list:
            yield start, end
            previous_end = end


def _is_birth_gap(gap):
    if len(gap) > 40 or re.search(r"[\d.;!?]", gap):
        return False
    # "Data di nascita:" may end a line, but a birth word does not reach into the next line.
    if "\n" in gap and gap.strip(" :\t\n"):
        return False
    for word in re.findall(r"[^\W\d_]+", gap):
        if word.lower() in _BIRTH_GAP_WORDS:
            continue
        # Any other word must be capitalised, as place names are, and not name a law.
        if not word[0].isupper() or word.lower() in _LAW_WORDS:
            return False
    return True


# --- Masking ----------------------------------------------------------------------------------

_REFERENCES = (
    # Number/year of laws, acts and protocols: 286/1998, 0345678/2023.
    re.compile(r"\b\d+/(?:19|20)\d{2}\b"),
    # Amounts and counts with thousands separators: 6.000,00, 350.000.000.
    re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?(?!\.?\d)"),
    # Numbers of acts and forms: prot. n. 0123456, pratica n. 2024123456, modulo 209.
    re.compile(
        r"\b(?:prot|protocollo|rif|riferimento|circ|circolare|nota|sentenza|ordinanza|decreto"
        r"|provvedimento|delibera|determina|fascicolo|pratica|mod|modulo|modello)\b\.?"
        r"\s*(?:(?:n\.|n°|(?:nr|numero)\b\.?)\s*)?[\w/.-]*\d[\w/.-]*",
        re.IGNORECASE,
    ),
)


def _mask_references(text):
    """`text` with references, amounts, dates and IBAN-like codes blanked out, offsets kept."""
    spans = [m.span() for pattern in _REFERENCES for m in pattern.finditer(text)]
    spans += list(_dates(text))
    # The digits of a mistyped IBAN are not a phone number.
    spans += [m.span() for m in _IBAN.finditer(text)]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)
