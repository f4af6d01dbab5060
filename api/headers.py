"""Security headers on every answer, and for HTML pages a Content-Security-Policy that lets a
page load and run only what our own origin serves.

Inline scripts are allowed by their hash, never by 'unsafe-inline', and only code we wrote: the
hashes come from the templates (and the vis-network the graph view inlines), read once at start,
not from the page being sent, since hashing what a response holds would also allow a script
injected into it. The graph view's one script with per-request content
(`const DATA = {{ data | tojson }};`) is allowed where the page's script is that template text
around a single JSON value, which is all `tojson` can put there. FastAPI's own pages (/docs)
hold nothing from the request, so their inline scripts are hashed as sent.

Inline styles are allowed: YASGUI and vis-network insert <style> elements of their own at run
time, which no hash known beforehand or nonce can cover, and a style cannot run script; what
injected CSS could leak needs a request, and images, fonts and connections may only go to our
own origin.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hsvo_graph.view import TEMPLATES as VIEW_TEMPLATES
from hsvo_graph.view import vis_network_js

Send = Callable[[dict], Awaitable[None]]

API_TEMPLATES = Path(__file__).resolve().parent / "templates"

EVERY_ANSWER = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
# JSON, RDF, CSV, scripts, styles: opened on their own in a browser they need nothing at all.
NOT_A_PAGE = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
PAGE_ONLY = (b"cross-origin-opener-policy", b"same-origin")
PAGE_POLICY = (
    "default-src 'self'",
    "script-src 'self'{scripts}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

_SCRIPT_START = re.compile(rb"<script\b([^>]*)>", re.I)
# A script element ends at the first "</script" followed by white space, "/" or ">", as an HTML
# parser ends it (HTML, 13.2.5 "script data end tag name state").
_SCRIPT_END = re.compile(rb"</script[\t\n\f\r />]", re.I)
# A script with a src runs no inline text; one of a non-JavaScript type is a data block.
_NOT_CODE = re.compile(rb"\bsrc\s*+=|\btype\s*+=\s*+(?![\"']?(?:text/javascript|module)\b)", re.I)
_JINJA = re.compile(rb"\{\{|\{%")
_JSON_SLOT = re.compile(rb"\{\{\s*\w+\s*\|\s*tojson\s*\}\}")
_VIS_JS = re.compile(rb"\{\{\s*vis_js\s*\|\s*safe\s*\}\}")


def _digest(text: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"


def inline_scripts(html: bytes) -> Iterator[bytes]:
    """The text of each inline script: what a policy must allow for the page to run."""
    position = 0
    while (start := _SCRIPT_START.search(html, position)) and (
        end := _SCRIPT_END.search(html, start.end())
    ):
        if not _NOT_CODE.search(start.group(1)):
            yield html[start.end() : end.start()]
        position = end.end()


@dataclass(frozen=True)
class JsonSlot:
    """A template's inline script with one `{{ … | tojson }}` in it: the text around that."""

    before: bytes
    after: bytes

    def filled_by(self, text: bytes) -> bool:
        """Whether text is this script with one JSON value in the slot."""
        end = len(text) - len(self.after)
        if end < len(self.before) or not (
            text.startswith(self.before) and text.endswith(self.after)
        ):
            return False
        try:
            json.loads(text[len(self.before) : end])
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class TrustedCode:
    """The inline scripts of our templates: hashes of the fixed ones, and those that take a
    JSON value."""

    hashes: frozenset[str]
    slots: tuple[JsonSlot, ...]


def our_templates() -> list[Path]:
    return sorted([*API_TEMPLATES.glob("*.html"), *VIEW_TEMPLATES.glob("*.html")])


def trusted_code(templates: Iterable[Path]) -> TrustedCode:
    """Read the inline scripts of the templates. A script with other template expressions
    than one JSON value (or the graph view's vis-network) is not trusted: a page with it shows
    a violation in the browser's console, which the browser tests catch."""
    hashes: set[str] = set()
    slots: list[JsonSlot] = []
    for path in templates:
        for text in inline_scripts(path.read_bytes()):
            text = _VIS_JS.sub(lambda _: vis_network_js().encode(), text)
            parts = _JSON_SLOT.split(text)
            if not _JINJA.search(text):
                hashes.add(_digest(text))
            elif len(parts) == 2 and not _JINJA.search(b"".join(parts)):
                slots.append(JsonSlot(*parts))
    return TrustedCode(frozenset(hashes), tuple(slots))


@functools.lru_cache(maxsize=64)  # the same page again (the graph view, cached) is not re-read
def page_policy(html: bytes, trusted: TrustedCode, as_sent: bool = False) -> bytes:
    """The Content-Security-Policy of one page: our origin, our trusted inline scripts, and
    all of the page's own if as_sent (a page that holds nothing from the request)."""
    hashes = set(trusted.hashes)
    for text in inline_scripts(html):
        if as_sent or any(slot.filled_by(text) for slot in trusted.slots):
            hashes.add(_digest(text))
    return "; ".join(PAGE_POLICY).format(scripts="".join(" " + h for h in sorted(hashes))).encode()


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/html")
        for name, value in headers
    )


def secured(send: Send, trusted: TrustedCode, as_sent: bool = False) -> Send:
    """send, with the security headers added to the response. An HTML page's start is held
    back until its body is complete: its policy names the inline code the body holds."""
    start: dict | None = None
    body: list[bytes] = []

    async def send_secured(message: dict) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), *EVERY_ANSWER]
            if _is_html(headers):
                start = {**message, "headers": [*headers, PAGE_ONLY]}
            else:
                await send({**message, "headers": [*headers, NOT_A_PAGE]})
        elif start is not None and message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            policy = page_policy(page, trusted, as_sent)
            start["headers"].append((b"content-security-policy", policy))
            await send(start)
            await send({"type": "http.response.body", "body": page})
        else:
            await send(message)

    return send_secured
