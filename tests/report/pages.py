"""Reading a written report back: its summary rows, its step rows and what it links to."""

from __future__ import annotations

from html.parser import HTMLParser


class PageReader(HTMLParser):
    """Collects summary rows (data-key -> cell text), step rows, tags and their URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.summary: dict[str, str] = {}
        self.steps: list[list[str]] = []
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self._key: str | None = None
        self._in_step = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track rows and cells; keep every src/href."""
        self.tags.add(tag)
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in {"src", "href", "xlink:href"} and v]
        if tag == "tr" and values.get("data-key"):
            self._key = values["data-key"]
        elif tag == "tr" and values.get("data-kind"):
            self._in_step = True
            self.steps.append([])
        elif tag == "td" and (self._key or self._in_step):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        """Close cells and rows."""
        if tag == "td" and self._cell is not None:
            text = "".join(self._cell)
            if self._key:
                self.summary[self._key] = text
            elif self._in_step:
                self.steps[-1].append(text)
            self._cell = None
        elif tag == "tr":
            self._key, self._in_step = None, False

    def handle_data(self, data: str) -> None:
        """Text of the open cell."""
        if self._cell is not None:
            self._cell.append(data)


def read_page(html: str) -> PageReader:
    """The parsed page."""
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader
