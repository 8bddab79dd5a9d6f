"""Parse a page the way a browser would and find anything that could run."""

from html.parser import HTMLParser

DANGEROUS_URL = ("javascript:", "data:", "vbscript:")


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            # Scripts are our own files under /static/, or data the browser does not run.
            external = (attrs.get("src") or "").startswith(("/static/", "/admin/jsi18n/"))
            data = attrs.get("type") in ("application/json", "application/ld+json")
            if not (external or data):
                self.problems.append(f"inline <script> {attrs}")
            self._in_script = not data
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                if value.strip().lower().replace("\t", "").startswith(DANGEROUS_URL):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"script content {data.strip()[:40]!r}")


def executable_parts(html):
    scanner = _Scanner()
    scanner.feed(html)
    return scanner.problems
