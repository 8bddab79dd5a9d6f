import pytest

from questions.personal_data import KINDS, LABELS, Finding, find_personal_data, highlight

# Tables of the official codice fiscale check, written out here independently of the module.
ODD_LETTERS = "BAKPLCQDREVOSFTGUHMINJWZYX"  # the letters whose odd value is 0, 1, 2, ...
ODD = {letter: value for value, letter in enumerate(ODD_LETTERS)}
ODD.update({str(d): ODD[chr(65 + d)] for d in range(10)})
EVEN = {**{str(d): d for d in range(10)}, **{chr(65 + i): i for i in range(26)}}


def with_check_char(first_15):
    total = sum(ODD[c] if i % 2 == 0 else EVEN[c] for i, c in enumerate(first_15))
    return first_15 + chr(65 + total % 26)


def with_check_digit(first_10):
    """Numeric codice fiscale / partita IVA: odd positions as they are, even ones doubled."""
    total = 0
    for i, c in enumerate(first_10):
        value = int(c) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return first_10 + str((10 - total % 10) % 10)


def wrong_last(code):
    """The same code with a different (hence wrong) check character."""
    last = code[-1]
    replacement = str((int(last) + 1) % 10) if last.isdigit() else chr((ord(last) - 64) % 26 + 65)
    return code[:-1] + replacement


def found(text):
    return [(f.kind, f.text) for f in find_personal_data(text)]


VALID_CF = [
    "RSSMRA85T10A562S",
    with_check_char("BNCGLI90A41H501"),  # woman: day + 40
    with_check_char("VRDLCU75M12F205"),
    with_check_char("KMRAHM88C15Z336"),  # born abroad (Z336 = Egypt)
    with_check_char("RSSMRA85T10A56N"),  # omocodia: the last digit 2 replaced by N
    with_check_char("DLLFTM92P5RZ3NL"),  # omocodia in the day and the place code
]


def test_check_char_helper_agrees_with_a_known_code():
    assert with_check_char("RSSMRA85T10A562") == "RSSMRA85T10A562S"


# --- Codice fiscale ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_CF)
def test_codice_fiscale(code):
    assert found(f"Il richiedente (codice {code}) chiede il rinnovo.") == [("codice_fiscale", code)]


@pytest.mark.parametrize("code", VALID_CF)
def test_codice_fiscale_with_wrong_check_char_is_not_flagged(code):
    assert found(f"Il richiedente (codice {wrong_last(code)}) chiede il rinnovo.") == []


def test_codice_fiscale_with_impossible_day_is_not_flagged():
    assert found(with_check_char("RSSMRA85T35A562")) == []


def test_codice_fiscale_is_case_insensitive():
    assert found("cf: rssmra85t10a562s") == [("codice_fiscale", "rssmra85t10a562s")]


def test_codice_fiscale_inside_a_longer_token_is_not_flagged():
    assert found("XRSSMRA85T10A562S e RSSMRA85T10A562S1") == []


@pytest.mark.parametrize(
    "prefix",
    ["codice fiscale", "Codice fiscale provvisorio:", "C.F.", "c.f. n.", "CF", "cod. fisc."],
)
def test_numeric_codice_fiscale_after_a_context_word(prefix):
    code = with_check_digit("9876543210")
    assert found(f"{prefix} {code}") == [("codice_fiscale", code)]


def test_numeric_codice_fiscale_needs_a_context_word():
    assert found(f"numero {with_check_digit('9876543210')}") == []


def test_numeric_codice_fiscale_with_wrong_check_digit_is_not_flagged():
    assert found(f"C.F. {wrong_last(with_check_digit('9876543210'))}") == []


# --- Phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "3331234567",
        "333 1234567",
        "333 123 4567",
        "333-123-4567",
        "333.1234567",
        "347.123.45.67",
        "333/1234567",
        "+39 333 1234567",
        "+393331234567",
        "0039 333 1234567",
        "331 234567",  # 9-digit mobile
        "06 12345678",
        "06/12345678",
        "06-1234567",
        "011 1234567",
        "0039 06 1234 5678",
        "+39 02.1234.5678",
        "0984 123456",
    ],
)
def test_phone(phone):
    assert found(f"Recapito dell'interessato: {phone}, ore pasti.") == [("phone", phone)]


def test_phone_next_to_other_numbers():
    assert found("classe 1990 333 1234567") == [("phone", "333 1234567")]
    assert found("cell. 333 1234567 2") == [("phone", "333 1234567")]


@pytest.mark.parametrize(
    "text",
    [
        "+44 20 7946 0958",  # foreign numbers are out of scope
        "333 12345",  # too short
        "33312345678901",  # too long
        "0012345678",  # 00 is not an area code
        "numero verde 800 123 456",
        "CAP 00185 Roma",
        "dal 2019 al 2023",
        "350.000.000 euro",
        "prot. 0123456",
        "protocollo n. 0612345678",
        "nota prot. 0345678/2023",
        "pratica n. 3331234567",
        "circ. n. 3331234567",
        "01/02/2025",
        "entro il 05.06.2026",
        "ore 09.30",
    ],
)
def test_not_a_phone(text):
    assert found(text) == []


# --- E-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "mario.rossi@gmail.com",
        "m.rossi85+asilo@libero.it",
        "info_famiglia@posta.example.co.uk",
        "utente@pec.comune.roma.it",
    ],
)
def test_email(email):
    assert found(f"Scrivere a {email}.") == [("email", email)]


@pytest.mark.parametrize("text", ["scrivere @ufficio", "mario.rossi@", "utente@localhost"])
def test_not_an_email(text):
    assert found(text) == []


def test_email_containing_a_codice_fiscale_is_one_finding():
    email = "rssmra85t10a562s@pec.it"
    assert found(email) == [("email", email)]


# --- IBAN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "IT60X0542811101000000123456",
        "IT60 X054 2811 1010 0000 0123 456",
        "it60x0542811101000000123456",
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
    ],
)
def test_iban(iban):
    assert found(f"Bonifico su {iban} entro venerdì.") == [("iban", iban)]


def test_spaced_iban_followed_by_a_short_word():
    assert found("IBAN IT60 X054 2811 1010 0000 0123 456 per il rimborso") == [
        ("iban", "IT60 X054 2811 1010 0000 0123 456")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "IT61X0542811101000000123456",
        "IT60 X054 2811 1010 0000 0123 457",
        "DE88370400440532013000",
        "IT60X054",
    ],
)
def test_iban_with_wrong_check_is_not_flagged(text):
    assert found(text) == []


# --- Document numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Il passaporto YA1234567 è scaduto.", "YA1234567"),
        ("Allega YA1234567.", "YA1234567"),
        ("passaporto YA 1234567", "YA 1234567"),
        ("CIE CA12345AB rilasciata dal Comune", "CA12345AB"),
        ("passaporto nigeriano n. A12345678", "A12345678"),
        ("Passaporto della Repubblica del Senegal A01234567", "A01234567"),
        ("carta d'identità numero AX12345", "AX12345"),
        ("carta d’identità: 123456AB", "123456AB"),
        ("documento di identità n. 4567890", "4567890"),
        ("codice CUI 05ABC12", "05ABC12"),
        ("CUI: 0AB12CD3", "0AB12CD3"),
        ("permesso di soggiorno n. I12345678", "I12345678"),
        ("permesso di soggiorno elettronico numero H00123456", "H00123456"),
        ("titolo di soggiorno (Z123456789) valido", "Z123456789"),
        ("PSE 12345678", "12345678"),
        ("ricevuta n. 050123456789", "050123456789"),
        ("ricevuta postale nr. 16012345678", "16012345678"),
    ],
)
def test_document_number(text, number):
    assert found(text) == [("document_number", number)]


@pytest.mark.parametrize(
    "text",
    [
        "permesso di soggiorno per lavoro ai sensi dell'art. 22",
        "permesso di soggiorno ex art. 5, comma 8-bis, D.Lgs. 286/1998",
        "permesso di soggiorno 2024",
        "ricevuta 050123456789",  # "ricevuta" needs "n." or "numero"
        "pratica n. 2024123456",
        "ricevuta e pratica n. 2024123456",
        "documento previsto dal DPR 394/1999 e dal D.Lgs. 142/2015",
        "documento prot. n. 2024ABC123",
        "il documento (modulo 209123) va firmato",
        "in cui 2019abc",  # "CUI" only in capitals
        "passaporto scaduto nel 2023",
        "passaporto e altri documenti di viaggio validi ai sensi della direttiva 2013/33/UE",
        "documento richiesto dal Regolamento (UE) 2016/679",
    ],
)
def test_not_a_document_number(text):
    assert found(text) == []


def test_phone_after_a_document_word_is_a_phone():
    assert found("documento: chiamare il 3331234567") == [("phone", "3331234567")]


# --- Birth dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("nato il 12/03/1990", "12/03/1990"),
        ("nata il 12-03-1990", "12-03-1990"),
        ("Nato il 12.03.1990", "12.03.1990"),
        ("nata il 3 Marzo 1990", "3 Marzo 1990"),
        ("nato il 12 marzo 1990", "12 marzo 1990"),
        ("nato il 1° maggio 1988", "1° maggio 1988"),
        ("nata il 5/6/90", "5/6/90"),
        ("nato a Lagos (Nigeria) il 12/03/1990", "12/03/1990"),
        ("nata a Abidjan, Costa d'Avorio, il 12/03/1990", "12/03/1990"),
        ("nata in data 1990-03-12", "1990-03-12"),
        ("data di nascita: 12/03/1990", "12/03/1990"),
        ("Data di nascita:\n12/03/1990", "12/03/1990"),
        ("luogo e data di nascita: Kabul, 12/03/1990", "12/03/1990"),
        ("n. il 12/03/1990 a Dakar", "12/03/1990"),
        ("born on 12/03/1990", "12/03/1990"),
    ],
)
def test_birth_date(text, date):
    assert found(text) == [("birth_date", date)]


def test_birth_dates_in_a_list():
    assert found("i figli nati il 12/03/2015 e il 05/06/2018") == [
        ("birth_date", "12/03/2015"),
        ("birth_date", "05/06/2018"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "25/07/1998",
        "decreto del 25 luglio 1998",
        "legge 18 luglio 1998 n. 286",
        "entro il 31/12/2026",
        "dal 1° gennaio 2025",
        "nato nel 1990",
        "classe 1990",
        "classe 12/03/1990",
        "nati in Italia ai sensi della legge 5 febbraio 1992 n. 91",
        "nati in Italia (Legge 5 febbraio 1992, n. 91)",
        "nata in Italia, con permesso rilasciato il 12/03/2020",
        "nati in Italia entro il 31/12/2026",
        "minori nati in Italia.\nIl 31/12/2026 scade il termine",
        "il 31/12/2026 scade il permesso del nato in Italia",
        "nato in Italia e residente dal 01/01/2025",
        "nato il 31/13/1990",  # not a date
    ],
)
def test_not_a_birth_date(text):
    assert found(text) == []


def test_deadline_after_a_birth_date_is_not_a_birth_date():
    assert found("nato il 12/03/1990, il permesso scade il 31/12/2026") == [
        ("birth_date", "12/03/1990")
    ]


# --- Whole questions --------------------------------------------------------------------------

QUESTION_WITHOUT_PERSONAL_DATA = """\
Buongiorno, un cittadino straniero titolare di permesso di soggiorno per lavoro ai sensi \
dell'art. 22 del D.Lgs. 286/1998 chiede il rinnovo. Ai sensi dell'art. 5, comma 8-bis, \
D.Lgs. 286/1998 e del DPR 394/1999 (art. 34 TU), il rinnovo va chiesto entro il 31/12/2026?
Per la cittadinanza (L. 91/1992, legge 5 febbraio 1992 n. 91) il reddito minimo è di \
€ 8.500 (6.000,00 euro per il coniuge). Il D.L. 20/2023 e il D.Lgs. 142/2015, art. 5-bis, \
comma 2-ter, si applicano dal 1° gennaio 2025?
La legge 18 luglio 1998 n. 286 (decreto del 25 luglio 1998) prevede il modulo 209 e il \
mod. S2; vedi circolare prot. n. 0012345 del 12/03/2024 e la nota prot. 0345678/2023.
L'interessato, nato nel 1990 (classe 1990), ha la ricevuta del kit e la pratica n. \
2024123456 è in istruttoria presso lo Sportello Unico. I figli sono nati in Italia: \
si applica l'art. 4, comma 2, L. 91/1992? Grazie, Ufficio immigrazione del Comune."""


def test_question_without_personal_data():
    assert find_personal_data(QUESTION_WITHOUT_PERSONAL_DATA) == []


QUESTION_WITH_PERSONAL_DATA = """\
Il sig. Mario Rossi, nato a Lagos (Nigeria) il 12/03/1990, C.F. RSSMRA85T10A562S, \
cell. +39 333 123 4567, e-mail mario.rossi85@gmail.com, passaporto n. YA1234567, \
ha chiesto il rinnovo del permesso di soggiorno ai sensi dell'art. 5 D.Lgs. 286/1998 \
entro il 31/12/2026. Il rimborso va su IBAN IT60 X054 2811 1010 0000 0123 456.
Ricevuta n. 050123456789; la figlia è nata il 3 marzo 2015 (tel. madre 06/12345678)."""


def test_question_with_personal_data():
    assert found(QUESTION_WITH_PERSONAL_DATA) == [
        ("birth_date", "12/03/1990"),
        ("codice_fiscale", "RSSMRA85T10A562S"),
        ("phone", "+39 333 123 4567"),
        ("email", "mario.rossi85@gmail.com"),
        ("document_number", "YA1234567"),
        ("iban", "IT60 X054 2811 1010 0000 0123 456"),
        ("document_number", "050123456789"),
        ("birth_date", "3 marzo 2015"),
        ("phone", "06/12345678"),
    ]


def test_findings_are_sorted_without_overlaps_and_match_the_text():
    findings = find_personal_data(QUESTION_WITH_PERSONAL_DATA)
    for finding in findings:
        assert finding.kind in KINDS
        assert finding.label == LABELS[finding.kind]
        assert QUESTION_WITH_PERSONAL_DATA[finding.start : finding.end] == finding.text
    for before, after in zip(findings, findings[1:], strict=False):
        assert before.end <= after.start


def test_labels_are_italian():
    assert find_personal_data("RSSMRA85T10A562S") == [
        Finding("codice_fiscale", "codice fiscale", 0, 16, "RSSMRA85T10A562S")
    ]
    assert set(LABELS) == set(KINDS)


def test_empty_text():
    assert find_personal_data("") == []


# --- highlight() ------------------------------------------------------------------------------


def test_highlight_escapes_the_text_and_marks_the_fragment():
    text = "<script>alert(1)</script> tel. 333 1234567 & co."
    assert highlight(text, find_personal_data(text)) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; tel. "
        '<mark class="dato-personale" title="numero di telefono">333 1234567</mark>'
        " &amp; co."
    )


def test_highlight_offsets_after_accented_letters():
    text = "Città: è già così; perché? CF RSSMRA85T10A562S."
    findings = find_personal_data(text)
    assert [(f.start, f.end) for f in findings] == [(30, 46)]
    assert highlight(text, findings) == (
        "Città: è già così; perché? CF "
        '<mark class="dato-personale" title="codice fiscale">RSSMRA85T10A562S</mark>.'
    )


def test_highlight_keeps_newlines_and_marks_several_fragments():
    text = "Nato il 12/03/1990\nmail: a.b@example.org"
    assert highlight(text, find_personal_data(text)) == (
        'Nato il <mark class="dato-personale" title="data di nascita">12/03/1990</mark>\n'
        'mail: <mark class="dato-personale" title="indirizzo e-mail">a.b@example.org</mark>'
    )


def test_highlight_without_findings_only_escapes():
    assert highlight("a < b\n", []) == "a &lt; b\n"
