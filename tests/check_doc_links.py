"""Every link to a heading in README.md and docs/*.md points at a heading that exists (GitHub's anchors).

Run by ctest (doc_links) from the source tree; exit 1 naming each broken link.
"""
import re, sys
from pathlib import Path
def slug(h):
    h = h.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")
files = [Path("README.md")] + sorted(Path("docs").glob("*.md"))
heads = {}
for f in files:
    hs = [slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", f.read_text(), re.M)]
    heads[f.resolve()] = set(hs)
bad = 0
for f in files:
    for m in re.finditer(r"\]\(([^)\s]*?)#([^)\s]+)\)", f.read_text()):
        target, anchor = m.group(1), m.group(2)
        t = (f.parent / target).resolve() if target else f.resolve()
        if t not in heads:
            continue
        if anchor not in heads[t]:
            print(f"{f}: {target}#{anchor}"); bad += 1
if bad:
    print(f"{bad} broken link(s) to headings")
    sys.exit(1)
print("every link to a heading resolves")
