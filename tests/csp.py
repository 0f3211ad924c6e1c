"""What in a page or template the Content-Security-Policy would block.

The policy (mentorship/settings.py) allows scripts and styles only from our own static
files: an inline <script> with code, an on*= event handler (htmx's hx-on too), a
javascript: URL, a <style> element or a style attribute would be blocked, and the page
would quietly break. Used on template sources and on rendered pages.
"""

import re

# JSON for a static script to read (json_script, allauth's data blocks) is not code.
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})

TAG = re.compile(r"""<[a-zA-Z][a-zA-Z0-9-]*(?:[^<>"']|"[^"]*"|'[^']*')*>""")
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# An attribute starts after a space, a quote or the end of a template tag ({% if %}).
EVENT_HANDLER = re.compile(r"""(?:[\s"'}])(on[a-z]+)\s*=""", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""(?:[\s"'}])style\s*=""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
# htmx's own inline handlers run through eval, which the policy forbids too.
HTMX_HANDLER = re.compile(r"""(?:[\s"'}])(hx-on[:-][^\s=]*)\s*=""", re.IGNORECASE)


def csp_problems(source: str, *, is_email: bool = False) -> list[str]:
    """What in this template or page the policy would block, one line each."""
    problems = []
    for attributes, body in SCRIPT.findall(source):
        kind = SCRIPT_TYPE.search(attributes)
        if body.strip() and not (kind and kind.group(1).lower() in DATA_SCRIPT_TYPES):
            problems.append(f"inline <script> with code: {body.strip()[:60]!r}")
    for tag in TAG.findall(source):
        for name in EVENT_HANDLER.findall(tag) + HTMX_HANDLER.findall(tag):
            problems.append(f"{name}= handler in {tag[:60]!r}")
        if JAVASCRIPT_URL.search(tag):
            problems.append(f"javascript: URL in {tag[:60]!r}")
        if not is_email and STYLE_ATTRIBUTE.search(tag):
            problems.append(f"style attribute in {tag[:60]!r}")
    if not is_email and STYLE_ELEMENT.search(source):
        problems.append("<style> element")
    return problems
