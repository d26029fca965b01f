"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as one more Django feed generator: any
feed class of ours becomes JSON by setting `feed_type`, beside its RSS and Atom twins."""

import json

from django.utils.feedgenerator import SyndicationFeed, rfc3339_date

VERSION = "https://jsonfeed.org/version/1.1"


class JsonFeed(SyndicationFeed):
    content_type = "application/feed+json"

    def write(self, outfile, encoding):
        outfile.write(json.dumps(self.as_json(), ensure_ascii=False, indent=1))

    def as_json(self):
        feed = {
            "version": VERSION,
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "language": self.feed.get("language") or None,
            "hubs": [{"type": "WebSub", "url": hub} for hub in [self.feed.get("hub")] if hub],
            "next_url": self.feed.get("next_url"),
        }
        feed = {name: value for name, value in feed.items() if value not in (None, "", [])}
        # Required, even empty (a tag or a post with no comments yet).
        return {**feed, "items": [self.item_as_json(item) for item in self.items]}

    def item_as_json(self, item):
        author = {"name": item.get("author_name"), "url": item.get("author_link")}
        entry = {
            "id": item["unique_id"] or item["link"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item.get("content_html") or item.get("description") or "",
            "date_published": item["pubdate"] and rfc3339_date(item["pubdate"]),
            "date_modified": item["updateddate"] and rfc3339_date(item["updateddate"]),
            "authors": [{key: value for key, value in author.items() if value}],
            "tags": list(item["categories"] or ()),
        }
        if not author["name"]:
            del entry["authors"]
        return {name: value for name, value in entry.items() if value not in (None, [])}
