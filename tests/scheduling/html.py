"""Read a server-rendered page the way the browser tests do: by role and accessible name.

A small tree built with the standard library's `html.parser`, so no test depends on attribute
order, quoting or whitespace in the templates:

    page = Page(response)
    page.buttons(name="day")                  # the day buttons (their form field `name`)
    page.one("link", "Next month")            # a link whose accessible name starts so
    page.hidden("form_token")                 # the value of the hidden input named form_token
    page.form(action="/manage/.../hold/").hidden_fields()

`name` (the accessible name) matches a string exactly (after collapsing whitespace) or a
compiled pattern with `search`; `Page.one` fails unless exactly one element matches.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TEXTBOX_TYPES = {"text", "email", "tel", "url", "search", "number", "password", ""}


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: "Element | None" = field(default=None, repr=False)
    children: list["Element | str"] = field(default_factory=list, repr=False)
    page: "Page | None" = field(default=None, repr=False)

    def get(self, attr: str, default: str | None = None) -> str | None:
        return self.attrs.get(attr, default)

    def __getitem__(self, attr: str) -> str:
        return self.attrs[attr]

    @property
    def disabled(self) -> bool:
        return "disabled" in self.attrs

    @property
    def text(self) -> str:
        """The text content, whitespace collapsed."""
        return squash("".join(self._texts()))

    def _texts(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._texts()

    def iter(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    @property
    def role(self) -> str | None:
        explicit = self.get("role")
        if explicit:
            return explicit
        tag, kind = self.tag, (self.get("type") or "").lower()
        if tag == "button" or (tag == "input" and kind in {"submit", "button", "reset"}):
            return "button"
        if tag == "a" and "href" in self.attrs:
            return "link"
        if tag in HEADINGS:
            return "heading"
        if tag == "textarea" or (tag == "input" and kind in TEXTBOX_TYPES):
            return "textbox"
        if tag == "select":
            return "combobox"
        if tag == "option":
            return "option"
        if tag == "form":
            return "form"
        if tag == "table":
            return "table"
        if tag == "th" and self.get("scope") == "col":
            return "columnheader"
        return None

    @property
    def accessible_name(self) -> str:
        """aria-labelledby, aria-label, an associated <label>, else the text content."""
        page = self.page
        if page is not None and self.get("aria-labelledby"):
            parts = [page.by_id(i) for i in self["aria-labelledby"].split()]
            return squash(" ".join(p.text for p in parts if p is not None))
        if self.get("aria-label"):
            return squash(self["aria-label"])
        if page is not None and self.tag in {"input", "textarea", "select"}:
            label = page.label_for(self)
            if label is not None:
                return label.text
        if self.tag == "input":
            return squash(self.get("value") or "")
        return self.text

    @property
    def value(self) -> str | None:
        return self.get("value")

    def find_all(self, role: str, name: "str | re.Pattern | None" = None, **attrs) -> list:
        return [e for e in self.iter() if _matches(e, role, name, attrs)]

    def one(self, role: str, name: "str | re.Pattern | None" = None, **attrs) -> "Element":
        found = self.find_all(role, name, **attrs)
        assert len(found) == 1, f"{len(found)} {role} elements named {name!r} {attrs or ''}"
        return found[0]

    def hidden_inputs(self) -> list["Element"]:
        return [e for e in self.iter() if e.tag == "input" and (e.get("type") or "") == "hidden"]

    def hidden_fields(self) -> dict[str, str]:
        """Name -> value of the hidden inputs inside this element (a form)."""
        return {e["name"]: e.get("value") or "" for e in self.hidden_inputs() if e.get("name")}

    def hidden(self, name: str) -> str:
        found = [e for e in self.hidden_inputs() if e.get("name") == name]
        assert found, f"no hidden input {name}"
        return found[0].get("value") or ""

    def buttons(self, name: str | None = None) -> list["Element"]:
        """Buttons, optionally only those submitting the form field `name`."""
        return [e for e in self.find_all("button") if name is None or e.get("name") == name]

    def links(self, name: "str | re.Pattern | None" = None, **attrs) -> list["Element"]:
        return self.find_all("link", name, **attrs)

    def headings(self, name: "str | re.Pattern | None" = None, level: int | None = None):
        found = self.find_all("heading", name)
        return [h for h in found if level is None or h.tag == f"h{level}"]

    def form(self, action: str) -> "Element":
        forms = [e for e in self.iter() if e.tag == "form" and e.get("action") == action]
        assert len(forms) == 1, f"{len(forms)} forms posting to {action}"
        return forms[0]


def _matches(element: Element, role: str, name, attrs: dict) -> bool:
    if element.role != role:
        return False
    for attr, wanted in attrs.items():
        attr = attr.rstrip("_").replace("_", "-")
        if wanted is True:
            if attr not in element.attrs:
                return False
        elif wanted is False or wanted is None:
            if attr in element.attrs:
                return False
        elif element.get(attr) != wanted:
            return False
    if name is None:
        return True
    accessible = element.accessible_name
    if isinstance(name, re.Pattern):
        return name.search(accessible) is not None
    return accessible == squash(name)


class Page(Element):
    """The parsed document: an HttpResponse or a string of HTML."""

    def __init__(self, source):
        content = source if isinstance(source, str) else source.content.decode()
        super().__init__(tag="#document", attrs={})
        self.page = self
        _TreeBuilder(self).feed(content)
        self._ids = {e["id"]: e for e in self.iter() if e.get("id")}

    def by_id(self, element_id: str) -> Element | None:
        return self._ids.get(element_id)

    def label_for(self, control: Element) -> Element | None:
        control_id = control.get("id")
        for label in self.iter():
            if label.tag == "label" and control_id and label.get("for") == control_id:
                return label
        parent = control.parent
        while parent is not None:
            if parent.tag == "label":
                return parent
            parent = parent.parent
        return None

    def labels(self) -> list[Element]:
        return [e for e in self.iter() if e.tag == "label"]


class _TreeBuilder(HTMLParser):
    def __init__(self, root: Page):
        super().__init__(convert_charrefs=True)
        self.root = root
        self.stack: list[Element] = [root]

    def handle_starttag(self, tag, attrs):
        parent = self.stack[-1]
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, parent)
        element.page = self.root
        parent.children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)
