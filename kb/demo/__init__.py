"""Taxonomy and demo content of the fictional Provincia di Montalba (DESIGN.md, "Taxonomy")."""

from pathlib import Path

ENTRIES_FILE = Path(__file__).parent / "entries.jsonl"
GLOSSARY_FILE = Path(__file__).parent / "glossary.json"
GUIDES_FILE = Path(__file__).parent / "guides.json"

TOPICS = [
    ("permesso-di-soggiorno", "Permesso di soggiorno"),
    ("protezione-internazionale", "Protezione internazionale e asilo"),
    ("ricongiungimento-familiare", "Ricongiungimento e coesione familiare"),
    ("cittadinanza", "Cittadinanza"),
    ("iscrizione-anagrafica", "Residenza e iscrizione anagrafica"),
    ("sanita", "Assistenza sanitaria"),
    ("lavoro", "Lavoro"),
    ("minori-stranieri", "Minori stranieri"),
    ("accoglienza", "Accoglienza CAS e SAI"),
    ("istruzione-formazione", "Istruzione e formazione"),
    ("previdenza-assistenza", "Previdenza e assistenza sociale"),
    ("documenti-e-codice-fiscale", "Documenti e codice fiscale"),
]

# slug, name, kind
AUTHORITIES = [
    ("questura", "Questura - Ufficio immigrazione", "questura"),
    ("prefettura-sui", "Prefettura - Sportello unico per l'immigrazione", "prefettura"),
    ("comune-anagrafe", "Comune - Ufficio anagrafe", "comune"),
    ("asl", "Azienda sanitaria locale", "asl"),
    ("inps", "INPS", "inps"),
    ("agenzia-entrate", "Agenzia delle Entrate", "agenzia-entrate"),
    ("ispettorato-lavoro", "Ispettorato territoriale del lavoro", "ispettorato"),
    (
        "commissione-territoriale",
        "Commissione territoriale per il riconoscimento della protezione internazionale",
        "commissione",
    ),
    ("tribunale-minorenni", "Tribunale per i minorenni", "tribunale"),
    ("centro-impiego", "Centro per l'impiego", "centro-impiego"),
    ("cpia", "Centro provinciale per l'istruzione degli adulti", "cpia"),
]

TERRITORY = "Provincia di Montalba"

# Organisations of the demo operators: name, kind, municipality.
ORGANISATIONS = [
    ("Cooperativa sociale Il Ponte (CAS di Borgo San Vito)", "private", "Borgo San Vito"),
    ("Comune di Castelrosso - Servizi sociali", "public", "Castelrosso"),
]

# Offices shown in the validation stamps of the demo experts.
OFFICES = {
    "questura": "Questura di Montalba - Ufficio immigrazione",
    "comune-anagrafe": "Comune di Montalba - Servizi demografici",
    "asl": "ASL di Montalba - Ufficio stranieri",
}

# e-mail, first name, last name, role group (None = superuser), authority slug, organisation
USERS = [
    ("admin@quesiti.example", "Amministratore", "Demo", None, None, None),
    ("coordinatore@quesiti.example", "Carla", "Coordinatrice", "Coordinatori", None, None),
    ("esperto.questura@quesiti.example", "Enrico", "Esperto Questura", "Esperti", "questura", None),
    (
        "esperta.anagrafe@quesiti.example",
        "Elena",
        "Esperta Anagrafe",
        "Esperti",
        "comune-anagrafe",
        None,
    ),
    ("esperta.asl@quesiti.example", "Anna", "Esperta ASL", "Esperti", "asl", None),
    ("redattore@quesiti.example", "Roberto", "Redattore", "Redattori", None, None),
    ("operatore@quesiti.example", "Omar", "Operatore CAS", "Operatori", None, ORGANISATIONS[0][0]),
    (
        "operatrice.comune@quesiti.example",
        "Olga",
        "Operatrice Comune",
        "Operatori",
        None,
        ORGANISATIONS[1][0],
    ),
]

# Routing rules: topic → authority (priority 100), with a few narrower rules before them.
ROUTING_RULES = [
    ("permesso-di-soggiorno", "", "", "questura", 100),
    ("protezione-internazionale", "", "", "questura", 100),
    ("protezione-internazionale", "", "audizione", "commissione-territoriale", 50),
    ("protezione-internazionale", "", "ricorso", "commissione-territoriale", 50),
    ("ricongiungimento-familiare", "", "", "prefettura-sui", 100),
    ("cittadinanza", "", "", "prefettura-sui", 100),
    ("iscrizione-anagrafica", "", "", "comune-anagrafe", 100),
    ("sanita", "", "", "asl", 100),
    ("lavoro", "", "", "prefettura-sui", 100),
    ("lavoro", "", "sfruttamento", "ispettorato-lavoro", 50),
    ("lavoro", "", "did", "centro-impiego", 50),
    ("minori-stranieri", "", "", "tribunale-minorenni", 100),
    ("minori-stranieri", "", "permesso", "questura", 50),
    ("accoglienza", "", "", "prefettura-sui", 100),
    ("istruzione-formazione", "", "", "cpia", 100),
    ("previdenza-assistenza", "", "", "inps", 100),
    ("documenti-e-codice-fiscale", "", "", "agenzia-entrate", 100),
    ("documenti-e-codice-fiscale", "", "carta d'identità", "comune-anagrafe", 50),
]
