"""Helpers for the console tests: a small HTML tree to query, and logging in like a browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.factories import PASSWORD

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements with `tag` (any when None) and the attribute values in `attrs` (`class_`)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and all(_matches(n, k, v) for k, v in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, ident: str) -> Node:
        return self.find(None, id=ident)

    @property
    def text(self) -> str:
        return "".join(self.text_parts) + "".join(c.text for c in self.children)


def _matches(node: Node, key: str, value: str) -> bool:
    if key == "class":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(key) == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        holder = Node("#text", {}, text_parts=[data])
        self.stack[-1].children.append(holder)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    """Console tests run on SQLite only: the reads they share with the API are tested on both."""
    target = tmp_path / "console.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form (with its login CSRF cookie); returns the session's CSRF token."""
    form = parse(client.get("/console/login").text)
    token = form.find("input", name="csrf_token").attrs["value"]
    answer = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/console"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = parse(client.get("/console").text)
    return page.find("meta", name="csrf-token").attrs["content"]


def htmx(csrf: str) -> dict[str, str]:
    """The headers htmx sends from the console: the CSRF token and the htmx marker."""
    return {"X-CSRF-Token": csrf, "HX-Request": "true"}
