import mf2py

from tests.factories import make_post, make_user


def parse(client, url):
    return mf2py.parse(doc=client.get(url).content.decode(), url=f"http://testserver{url}")


def entries_of(parsed):
    feeds = [item for item in parsed["items"] if "h-feed" in item["type"]]
    return [child for feed in feeds for child in feed.get("children", [])]


def check_entry(entry, post):
    props = entry["properties"]
    assert props["name"] == [post.title]
    assert f"http://testserver{post.get_absolute_url()}" in props["url"]
    assert props["published"][0].startswith(post.published_at.strftime("%Y-%m-%d"))
    author = props["author"][0]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == ["Ada Lindqvist"]
    assert author["properties"]["url"] == ["http://testserver/authors/ada/"]
    assert set(props["category"]) == {"python", "cloud"}


def test_listing_is_an_h_feed_of_h_entries(client, db):
    ada = make_user(username="ada", display_name="Ada Lindqvist")
    post = make_post(title="Kilo", author=ada, tags=["python", "cloud"], body="Full *text*.")
    teaser = make_post(
        title="Teaser", author=ada, tags=["python", "cloud"], body="Short.\n\n<!--more-->\n\nLong."
    )
    entries = entries_of(parse(client, "/"))
    assert [e["properties"]["name"][0] for e in entries] == ["Teaser", "Kilo"]
    check_entry(entries[1], post)
    check_entry(entries[0], teaser)
    assert "Full" in entries[1]["properties"]["content"][0]["html"]
    assert entries[0]["properties"]["summary"][0].strip() == "Short."


def test_permalink_is_an_h_entry_with_content(client, db):
    ada = make_user(username="ada", display_name="Ada Lindqvist")
    post = make_post(title="Kilo", author=ada, tags=["python", "cloud"], body="Full *text*.")
    parsed = parse(client, post.get_absolute_url())
    entry = next(item for item in parsed["items"] if item["type"] == ["h-entry"])
    check_entry(entry, post)
    assert "<em>text</em>" in entry["properties"]["content"][0]["html"]
