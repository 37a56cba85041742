"""Reads the board's feed and badges as their readers do: the Atom feed with feedparser (a
real feed reader's parser, pinned in .ci/requirements.txt), the SVG badges with Python's
XML parser. Run by tests/tests/readers.rs, which prints what fails.

usage: readers.py BASE_URL EXPECTED_JSON
"""

import json
import sys
import urllib.request
import xml.etree.ElementTree as ElementTree

import feedparser

SVG = "{http://www.w3.org/2000/svg}"


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def read_feed(base, expected):
    url = f"{base}/api/v1/incidents.atom"
    feed = feedparser.parse(url)
    check(feed.get("status") == 200, f"status {feed.get('status')}")
    check(not feed.bozo, f"well-formed: {feed.get('bozo_exception')}")
    check(feed.version == "atom10", f"Atom 1.0, not {feed.version}")
    check(feed.feed.id.startswith("urn:uuid:"), f"feed id {feed.feed.id}")
    check(feed.feed.get("updated_parsed") is not None, "the feed's updated")
    titles = [entry.title for entry in feed.entries]
    check(titles == expected["titles"], f"titles {titles}")
    # The board has no HTML page of its own: each entry's alternate link is the resource in
    # the API (JSON), resolved against the feed's URL.
    links = [
        link.href
        for entry in feed.entries
        for link in entry.links
        if link.rel == "alternate" and link.type == "application/json"
    ]
    check(links == [base + link for link in expected["links"]], f"links {links}")
    ids = [entry.id for entry in feed.entries]
    check(len(set(ids)) == len(ids), f"distinct ids {ids}")
    check(all(i.startswith("urn:uuid:") for i in ids), f"ids {ids}")
    check(all(e.get("updated_parsed") for e in feed.entries), "each entry's updated")
    check(expected["content"] in feed.entries[-1].summary, feed.entries[-1].summary)
    # A reader's second fetch of an unchanged feed: conditional, answered 304.
    again = feedparser.parse(url, etag=feed.etag)
    check(again.get("status") == 304, f"second fetch status {again.get('status')}")
    check(len(again.entries) == 0, "304 has no entries")
    print(f"feed: {len(feed.entries)} entries, etag {feed.etag}, second fetch 304")


def read_badge(base, path, label, message):
    with urllib.request.urlopen(f"{base}{path}") as response:
        check(response.headers["Content-Type"].startswith("image/svg+xml"), path)
        root = ElementTree.fromstring(response.read())
    check(root.tag == f"{SVG}svg", f"{path}: root {root.tag}")
    check(int(root.get("width")) > 0 and root.get("height") == "20", f"{path}: size")
    title = root.find(f"{SVG}title").text
    check(title == f"{label}: {message}", f"{path}: title {title!r}")
    texts = [text.text for text in root.iter(f"{SVG}text")]
    check(texts == [label, label, message, message], f"{path}: texts {texts}")
    print(f"badge {path}: {title!r}")


def main():
    base, expected = sys.argv[1], json.loads(sys.argv[2])
    read_feed(base, expected["feed"])
    for badge in expected["badges"]:
        read_badge(base, badge["path"], badge["label"], badge["message"])


main()
