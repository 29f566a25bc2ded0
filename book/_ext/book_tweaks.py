"""Small Sphinx fixes for the offline site.

sphinx-thebe registers its inline configuration script twice under Sphinx 7, which makes the browser
report ``Identifier 'THEBE_JS_URL' has already been declared`` on every page; drop exact duplicates.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    files = context.get("script_files")
    if not files:
        return
    seen: set = set()
    unique = []
    for js in files:
        # the same inline script is registered once with filename None and once with ""
        key = (getattr(js, "filename", None) or "", repr(sorted(getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    files[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
