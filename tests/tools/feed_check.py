"""Parses an Atom feed from standard input with feedparser and prints what a
feed reader would see, as JSON: whether it was well formed, its version, and
each entry's title, link, id, author and content."""

import json
import sys

import feedparser

parsed = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": bool(parsed.bozo),
    "error": str(parsed.get("bozo_exception", "")),
    "version": parsed.version,
    "title": parsed.feed.get("title"),
    "id": parsed.feed.get("id"),
    "links": [{"rel": l.get("rel"), "href": l.get("href")} for l in parsed.feed.get("links", [])],
    "updated": parsed.feed.get("updated"),
    "entries": [
        {
            "title": e.get("title"),
            "id": e.get("id"),
            "link": e.get("link"),
            "author": e.get("author"),
            "published": e.get("published"),
            "updated": e.get("updated"),
            "content": e.content[0].value if e.get("content") else None,
            "content_type": e.content[0].type if e.get("content") else None,
        }
        for e in parsed.entries
    ],
}))
