"""The scanner of tests/html_safety.py finds what a browser would run, however it is written."""

import pytest

from tests.html_safety import executable_parts


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<svg><script>alert(1)</script></svg>",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="&#x01;javascript:alert(1)">x</a>',
        '<a href="&#106;avascript&colon;alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<form action="javascript:alert(1)"></form>',
        '<button formaction="javascript:alert(1)">x</button>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>',
        '<svg><animate attributeName="href" values="https://x.example;javascript:alert(1)"/></svg>',
        '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        '<p srcdoc="x">x</p>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<p style="width: expression(alert(1))">x</p>',
        '<p style="x: expr/**/ession(alert(1))">x</p>',
        '<p style="x: \\65 xpression(alert(1))">x</p>',
        '<p style="background: url(javascript:alert(1))">x</p>',
        "<p style=\"background: url('&#x6A;avascript:alert(1)')\">x</p>",
        "<style>p { background: url(javascript:alert(1)) }</style>",
        "<style>p { -moz-binding: url(x.xml#x) }</style>",
        '<link rel="import" href="/x.html">',
        "<object data=x></object>",
        "<embed src=x>",
        '<base href="https://evil.example/">',
        # Parsed differently by browsers: a comment closed early, raw text left early.
        "<!--><script>alert(1)</script>-->",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<textarea><img src=x onerror=alert(1)>",
    ],
)
def test_the_scanner_finds_what_could_run(html):
    assert executable_parts(html) != []


@pytest.mark.parametrize(
    "html",
    [
        '<p>Testo <a href="https://example.org/?q=javascript:x">link</a></p>',
        '<a href="/cerca/?q=data%3A">ricerca</a>',
        '<script src="/static/search/autocomplete.js" defer></script>',
        '<script type="application/ld+json">{"name": "\\u003cscript\\u003e"}</script>',
        "<textarea>&lt;script&gt;alert(1)&lt;/script&gt;</textarea>",
        '<p style="border: 1px solid #ddd">x</p>',
        "&lt;img src=x onerror=alert(1)&gt;",
        "<p>javascript:alert(1) scritto come testo</p>",
    ],
)
def test_the_scanner_leaves_inert_html_alone(html):
    assert executable_parts(html) == []
