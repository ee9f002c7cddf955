"""Finding and replacing a block's text in a page."""
import re


class PageError(Exception):
    """A page without the block's markers, or with them twice: one line for the user."""


def markers(name):
    return f"<!-- refresh:{name} -->", f"<!-- /refresh:{name} -->"


def span(text, name, page):
    """(start, end) of the text between the block's markers (the markers' lines excluded)."""
    begin, end = markers(name)
    a = [m.end() for m in re.finditer(re.escape(begin) + r"\n", text)]
    b = [m.start() for m in re.finditer(r"^" + re.escape(end), text, re.M)]
    if len(a) != 1 or len(b) != 1 or b[0] < a[0]:
        raise PageError(f"{page}: expected one {begin} line and one {end} line after it")
    return a[0], b[0]


def current(text, name, page):
    a, b = span(text, name, page)
    return text[a:b]


def replace(text, name, page, block_text):
    a, b = span(text, name, page)
    return text[:a] + block_text + text[b:]
