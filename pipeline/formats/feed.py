"""The podcast feed: RSS 2.0 with the itunes and podcast namespaces, one item per chapter, built as XML.

Links are relative to the feed (it sits beside the episodes) unless a base URL is given; `rebase` makes them
absolute, as the server does for each request (podcast apps need absolute enclosure URLs). Guids come from the
book's author and title and the chapter number, never from the audio, so an app that has an episode keeps it
when the book is rebuilt; publication dates are kept from the feed already there for the same reason. The feed
carries no build time, so an unchanged book gives a byte-identical feed.
"""

from __future__ import annotations

import email.utils
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from .. import __version__
from ..m4b.ffmetadata import clean_text
from ..m4b.package import narrator_credit
from ..model import Metadata

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)

FEED = "feed.xml"
AUDIO_TYPE = "audio/x-m4a"  # what Apple's podcast specification names for AAC in MP4
VTT_TYPE = "text/vtt"
SRT_TYPE = "application/srt"  # as the podcast namespace's transcript tag lists it
_GUIDS = uuid.UUID("8a1f4c9e-3b7d-5e21-9c64-0d2f7a1b5e93")  # this tool's namespace for episode guids


@dataclass(frozen=True, slots=True)
class Episode:
    number: int
    title: str
    audio: str  # file names, relative to the feed
    vtt: str
    srt: str
    size: int  # bytes of the audio file
    seconds: float


def guid(metadata: Metadata, number: int) -> str:
    """The episode's permanent id: the same book and chapter number give the same id on every rebuild."""
    name = "\n".join(("audiobook-pipeline", metadata.author, metadata.title, f"chapter {number}"))
    return f"urn:uuid:{uuid.uuid5(_GUIDS, name)}"


def render(
    metadata: Metadata,
    episodes: list[Episode],
    *,
    cover: str,
    base_url: str | None,
    published: dict[str, str],
    now: datetime,
) -> bytes:
    """The feed's bytes. `published` maps guids to the pubDate an earlier feed gave them; new episodes get
    `now`, a minute apart in reading order, so apps that sort by date still list them in order."""
    link = _link(base_url)
    summary = clean_text(metadata.description or "", one_line=False) or (
        f"{metadata.title} by {metadata.author}, an audiobook in {len(episodes)} parts, "
        f"read by {narrator_credit(metadata)}."
    )
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", metadata.title)
    _text(channel, "link", link(""))
    _text(channel, "description", summary)
    _text(channel, "language", metadata.language)
    if metadata.copyright:
        _text(channel, "copyright", clean_text(metadata.copyright, one_line=True))
    _text(channel, "generator", f"audiobook-pipeline {__version__}")
    if base_url:
        ET.SubElement(
            channel,
            f"{{{ATOM}}}link",
            {"href": link(FEED), "rel": "self", "type": "application/rss+xml"},
        )
    image = ET.SubElement(channel, "image")
    _text(image, "url", link(cover))
    _text(image, "title", metadata.title)
    _text(image, "link", link(""))
    _text(channel, f"{{{ITUNES}}}author", metadata.author)
    _text(channel, f"{{{ITUNES}}}summary", summary)
    ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": link(cover)})
    books = ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Arts"})
    ET.SubElement(books, f"{{{ITUNES}}}category", {"text": "Books"})
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "serial")  # listened to in order, from episode 1
    for episode in episodes:
        item = ET.SubElement(channel, "item")
        _text(item, "title", episode.title)
        _text(item, f"{{{ITUNES}}}title", episode.title)
        _text(
            item,
            "description",
            f"{metadata.title}, part {episode.number} of {len(episodes)}: {episode.title}",
        )
        ET.SubElement(
            item,
            "enclosure",
            {"url": link(episode.audio), "length": str(episode.size), "type": AUDIO_TYPE},
        )
        identity = guid(metadata, episode.number)
        _text(item, "guid", identity, isPermaLink="false")
        stamp = published.get(identity) or email.utils.format_datetime(
            datetime.fromtimestamp(now.timestamp() + 60 * (episode.number - len(episodes)), tz=now.tzinfo)
        )
        _text(item, "pubDate", stamp)
        _text(item, f"{{{ITUNES}}}duration", str(max(1, round(episode.seconds))))
        _text(item, f"{{{ITUNES}}}episode", str(episode.number))
        _text(item, f"{{{ITUNES}}}episodeType", "full")
        _text(item, f"{{{ITUNES}}}explicit", "false")
        for name, kind in ((episode.vtt, VTT_TYPE), (episode.srt, SRT_TYPE)):
            attributes = {"url": link(name), "type": kind, "language": metadata.language}
            ET.SubElement(item, f"{{{PODCAST}}}transcript", attributes)
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def published_dates(path: Path) -> dict[str, str]:
    """guid -> pubDate from the feed at `path`; empty if there is none or it cannot be read."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    dates = {}
    for item in root.iter("item"):
        identity, stamp = item.findtext("guid"), item.findtext("pubDate")
        if identity and stamp:
            dates[identity] = stamp
    return dates


def rebase(feed: bytes, base_url: str) -> bytes:
    """The feed with every relative link made absolute against `base_url` (the folder's URL, ending in /),
    and a self link: what a podcast app fetching the feed from there needs."""
    root = ET.fromstring(feed)
    channel = root.find("channel")
    if channel is None:
        return feed
    for element in root.iter():
        for attribute in ("url", "href"):
            if attribute in element.attrib:
                element.set(attribute, urljoin(base_url, element.get(attribute, "")))
    for path in ("link", "image/url", "image/link"):
        element = channel.find(path)
        if element is not None:
            element.text = urljoin(base_url, element.text or "")
    if channel.find(f"{{{ATOM}}}link") is None:
        self_link = ET.Element(
            f"{{{ATOM}}}link",
            {"href": urljoin(base_url, FEED), "rel": "self", "type": "application/rss+xml"},
        )
        anchor = channel.find("generator")
        channel.insert(list(channel).index(anchor) + 1 if anchor is not None else 0, self_link)
        ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _link(base_url: str | None):
    def link(name: str) -> str:
        relative = quote(name) if name else "./"
        if not base_url:
            return relative
        return urljoin(base_url.rstrip("/") + "/", quote(name))

    return link


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element
