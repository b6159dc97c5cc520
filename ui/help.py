"""Help that opens where the answer is: sections of the README that ships inside the plugin.

The plugin has no public web page, so its help is the bundled README.md: the dock shows one section in a
small window (QTextBrowser renders the Markdown), and the Processing dialogs' Help button opens a file URL
with the section's anchor in the browser, pointing into an HTML rendering of the README written once per
README version to $XDG_DATA_HOME/pansharpen_adapt/help/. Anchors follow GitHub's rule ('Installing PyTorch'
-> 'installing-pytorch'), so the same names work on a hosted copy.
"""
from __future__ import annotations

import html
import os
import re
from typing import Dict, Optional

from qgis.PyQt.QtCore import QCoreApplication, QUrl
from qgis.PyQt.QtGui import QGuiApplication, QTextDocument
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from .places import data_dir
from .runtime import PLUGIN_DIR

README = os.path.join(PLUGIN_DIR, "README.md")
INSTALLING_PYTORCH = "Installing PyTorch"
THE_DOCK = "The dock"
PROCESSING = "Processing algorithms"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def slug(title: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def readme_section(title: str, path: str = README) -> str:
    """The Markdown of one README section (its heading down to the next heading of the same or a higher
    level); '' when the README or the section is missing."""
    if not os.path.isfile(path):
        return ""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start, level, fenced = None, 0, False
    for i, line in enumerate(lines):
        fenced = fenced != line.startswith("```")  # '#' inside a code block is a shell comment
        match = None if fenced or line.startswith("```") else _HEADING.match(line)
        if match is None:
            continue
        if start is None and match.group(2) == title:
            start, level = i, len(match.group(1))
        elif start is not None and len(match.group(1)) <= level:
            return "\n".join(lines[start:i]).strip()
    return "\n".join(lines[start:]).strip() if start is not None else ""


def _anchored(body: str) -> str:
    """Give every <hN> of Qt's HTML an anchor named like GitHub's (duplicates numbered -1, -2, ...)."""
    seen: Dict[str, int] = {}

    def anchor(match: re.Match[str]) -> str:
        name = slug(html.unescape(re.sub(r"<[^>]+>", "", match.group(3))))
        count = seen.get(name, 0)
        seen[name] = count + 1
        name = name if count == 0 else f"{name}-{count}"
        return f'<h{match.group(1)}{match.group(2)}><a name="{name}" id="{name}"></a>{match.group(3)}' \
               f"</h{match.group(1)}>"

    return re.sub(r"<h([1-6])([^>]*)>(.*?)</h\1>", anchor, body, flags=re.S)


def rendered_readme(folder: Optional[str] = None) -> str:
    """Path of the README rendered to HTML with heading anchors (made when missing or older than the
    README); '' without a README or without a GUI application (Qt's renderer needs one)."""
    if not os.path.isfile(README) or not isinstance(QCoreApplication.instance(), QGuiApplication):
        return ""
    folder = folder or os.path.join(data_dir(), "help")
    out = os.path.join(folder, "README.html")
    if os.path.isfile(out) and os.path.getmtime(out) >= os.path.getmtime(README):
        return out
    document = QTextDocument()
    with open(README, encoding="utf-8") as f:
        document.setMarkdown(f.read())
    page = _anchored(document.toHtml())
    # Relative links (pictures under docs/) resolve against the plugin folder, not the help cache.
    base = QUrl.fromLocalFile(PLUGIN_DIR + os.sep).toString()
    page = page.replace("<head>", f'<head><base href="{base}">', 1)
    os.makedirs(folder, exist_ok=True)
    tmp = out + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, out)
    return out


def help_url(section: str) -> str:
    """URL of a README section for a browser: the rendered HTML with the anchor, else the README itself."""
    try:
        page = rendered_readme()
    except OSError:  # an unwritable cache: the plain README still helps
        page = ""
    url = QUrl.fromLocalFile(page or README)
    if page:
        url.setFragment(slug(section))
    return url.toString()


def show_section(title: str, parent: Optional[QWidget] = None) -> QDialog:
    """A non-modal window with one README section (Markdown rendered by Qt); returns it (already shown)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(f"Pansharpen & Adapt: {title}")
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    text = readme_section(title) or f"The README section '{title}' is missing from {README}."
    browser.setMarkdown(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(760, 560)
    dialog.show()
    return dialog
