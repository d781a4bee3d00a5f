"""Reading HTML pages in tests: elements with their attributes, and the text."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            found
            for name, found in self.elements
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]

    def by_id(self, element_id: str) -> dict[str, str]:
        [found] = [found for _, found in self.elements if found.get("id") == element_id]
        return found

    def controls(self) -> list[dict[str, str]]:
        return [
            found
            for name, found in self.elements
            if name in ("input", "select", "textarea") and found.get("type") != "hidden"
        ]
