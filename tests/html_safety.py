"""Parse a page the way a browser would and find anything that could run."""

import re
from html.parser import HTMLParser

DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
# Attributes a browser follows as a URL (SVG animations set one through to/from/values).
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "background",
    "poster",
    "data",
    "codebase",
    "dynsrc",
    "lowsrc",
    "to",
    "from",
    "values",
    "by",
}
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
# In CSS: IE's expression(), Gecko's XBL bindings, IE's behaviours, and script URLs.
DANGEROUS_CSS = re.compile(
    r"expression\s*\(|-moz-binding|behavior\s*:|(?:javascript|vbscript|data)\s*:", re.I
)


def _url_scheme_part(value):
    """The URL as a browser reads its scheme: surrounding spaces and C0 controls stripped,
    tabs and newlines removed anywhere, lower case (entities are already decoded)."""
    return re.sub(r"[\t\n\r]", "", value.strip(_C0_AND_SPACE)).lower()


def _css(text):
    """CSS with comments removed and escapes (\\6a, \\j) decoded, as the CSS parser sees it."""
    text = re.sub(r"/\*.*?(\*/|$)", "", text, flags=re.S)
    text = re.sub(
        r"\\([0-9a-fA-F]{1,6})\s?",
        lambda m: chr(int(m.group(1), 16)) if int(m.group(1), 16) < 0x110000 else "",
        text,
    )
    return re.sub(r"\\(.)", r"\1", text)


def _dangerous_url(value):
    # SVG's `values` is a list separated by semicolons; each item is a URL.
    return any(_url_scheme_part(part).startswith(DANGEROUS_SCHEMES) for part in value.split(";"))


class _Scanner(HTMLParser):
    # Elements whose content a browser does not parse as tags (with scripting on); their
    # content is still scanned as HTML below, in case the browser parses it after all (SVG
    # and MathML content, mutation XSS).
    CDATA_CONTENT_ELEMENTS = (
        "script",
        "style",
        "noscript",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self._raw = None  # the element whose content is being read as text

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._raw = tag if tag in self.CDATA_CONTENT_ELEMENTS else None
        if tag == "script":
            attributes = dict(attrs)
            # Scripts are our own files under /static/, or data the browser does not run.
            external = (attributes.get("src") or "").startswith(("/static/", "/admin/jsi18n/"))
            data = attributes.get("type") in ("application/json", "application/ld+json")
            if not (external or data):
                self.problems.append(f"inline <script> {attributes}")
            if data:
                self._raw = None

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        attributes = {name: value or "" for name, value in attrs}
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            elif name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=...>")
            elif name in URL_ATTRIBUTES and _dangerous_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and DANGEROUS_CSS.search(_css(value)):
                self.problems.append(f"<{tag} style={value!r}>")
            elif name == "attributename" and value.strip().lower().startswith("on"):
                self.problems.append(f"<{tag} attributeName={value!r}>")
        if tag == "meta" and attributes.get("http-equiv", "").strip().lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh content={attributes.get('content')!r}>")
        if tag == "link" and "import" in attributes.get("rel", "").lower().split():
            self.problems.append("<link rel=import>")

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw == "script" and data.strip():
            self.problems.append(f"script content {data.strip()[:40]!r}")
        elif self._raw:
            if self._raw == "style" and DANGEROUS_CSS.search(_css(data)):
                self.problems.append(f"style content {data.strip()[:40]!r}")
            if "<" in data:
                self._scan_inside(f"<{self._raw}>", data)

    def handle_comment(self, data):
        # Browsers end comments where this parser does not (<!-->, --!>): scan them too.
        self._scan_inside("a comment", data)

    def unknown_decl(self, data):
        self._scan_inside("a declaration", data)

    def close(self):
        super().close()
        if self.cdata_elem and self.rawdata:
            # Never closed: this parser would drop the rest of the page, so read it here.
            self.handle_data(self.rawdata)
            self.rawdata = ""

    def _scan_inside(self, where, html):
        self.problems += [f"inside {where}: {problem}" for problem in executable_parts(html)]


def executable_parts(html):
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
