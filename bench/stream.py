"""The comment-stream test of bench/run.py: readers keep reading a post while people comment on
it. Plain HTTP against a running site (no Django here): comments go through the real comment
form, each from a reader of its own (its own CSRF cookie and token, its own form token, fetched
from the page like a browser does, sent at least COMMENTS_MIN_SECONDS later), from its own
address (the site trusts one proxy: `X-Forwarded-For`) and email, so the flood limit (per
address and per email) counts each one once.
"""

import html
import http.client
import http.cookiejar
import itertools
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

MIN_SECONDS = 3.2  # the site's COMMENTS_MIN_SECONDS (3) and a little
# A client address per commenter, never one used in the flood window before.
_ADDRESSES = itertools.count(random.randrange(2**23))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Commenter:
    """One reader with a cookie jar: opens the post's page, then sends one comment."""

    def __init__(self, base, url, number, tag):
        self.base, self.number, self.tag = base, number, tag
        address = next(_ADDRESSES) % 2**24
        self.address = f"10.{address >> 16}.{address >> 8 & 255}.{address & 255}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        page = self.opener.open(base + url, timeout=60).read().decode()
        self.opened_at = time.monotonic()
        form = re.search(r'<form id="comment-form"[^>]*action="([^"]+)"', page)
        self.action = html.unescape(form.group(1)).split("#")[0]
        self.fields = {
            name: html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))
            for name in ("csrfmiddlewaretoken", "issued")
        }

    @property
    def body(self):
        return f"{self.tag} comment {self.number}: reading this with interest."

    def send(self):
        """The comment sent; the response's status (302: stored, on its way to its page)."""
        wait = self.opened_at + MIN_SECONDS - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        data = urllib.parse.urlencode(
            {
                **self.fields,
                "author_name": f"Bench reader {self.tag} {self.number}",
                "author_email": f"{self.tag}-{self.number}@example.com",
                "author_url": "",
                "homepage": "",
                "parent": "",
                "body": self.body,
            }
        ).encode()
        request = urllib.request.Request(
            self.base + self.action, data=data, headers={"X-Forwarded-For": self.address}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def read_pages(host, port, urls, stop):
    """Read `urls` one after another on one kept-alive connection until `stop` is set; per
    address, how many responses said X-Page-Cache: hit and how many did not."""
    counts = {url: [0, 0] for url in urls}
    connection = http.client.HTTPConnection(host, port, timeout=60)
    while not stop.is_set():
        for url in urls:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            counts[url][0 if response.getheader("X-Page-Cache") == "hit" else 1] += 1
    connection.close()
    return counts


def stream(base, port, hot_url, other_urls, seconds, measure, tag, *, readers=2):
    """`measure(url, seconds)` (wrk: rate, p50, p99) on `hot_url` idle, then again while one
    comment a second is sent to it and `other_urls` are read (each read once before, so that
    they are in the cache) on `readers` more connections: per address, reads that were hits and
    that were not, apart for the addresses whose page links to the post ("linking")."""
    idle = measure(hot_url, seconds)
    commenters = [Commenter(base, hot_url, number, tag) for number in range(seconds + 1)]
    # The pages that link to the post, counted apart: a comment on it changes its entry on a
    # listing (its number of comments), though not its title in an archive or related posts.
    linking = set()
    for url in other_urls:
        body = urllib.request.urlopen(base + url, timeout=60).read().decode()
        if f'href="{hot_url}"' in body:
            linking.add(url)
    time.sleep(max(0.0, commenters[-1].opened_at + MIN_SECONDS - time.monotonic()))
    stop, counts = threading.Event(), []
    statuses = []

    def comment():  # one a second, each on its own thread: a slow answer does not delay the next
        start, sending = time.monotonic(), []
        for index, commenter in enumerate(commenters):
            time.sleep(max(0.0, start + index + 0.5 - time.monotonic()))
            if stop.is_set():
                break
            sending.append(threading.Thread(target=lambda c=commenter: statuses.append(c.send())))
            sending[-1].start()
        for thread in sending:
            thread.join()

    def read(offset):
        urls = other_urls[offset:] + other_urls[:offset]
        counts.append(read_pages("127.0.0.1", port, urls, stop))

    threads = [threading.Thread(target=comment)] + [
        threading.Thread(target=read, args=(offset,)) for offset in range(readers)
    ]
    for thread in threads:
        thread.start()
    try:
        busy = measure(hot_url, seconds, warm=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    others = {
        url: [sum(count[url][0] for count in counts), sum(count[url][1] for count in counts)]
        for url in other_urls
    }
    return {
        "idle": idle,
        "busy": busy,
        "others": {url: counts for url, counts in others.items() if url not in linking},
        "linking": {url: counts for url, counts in others.items() if url in linking},
        "statuses": statuses,
    }


def burst(base, url, count, tag):
    """`count` readers send their comments at the same moment; their response statuses."""
    commenters = [Commenter(base, url, number, tag) for number in range(count)]
    time.sleep(max(0.0, commenters[-1].opened_at + MIN_SECONDS - time.monotonic()))
    gate = threading.Barrier(count)
    statuses = [None] * count

    def send(index):
        gate.wait()
        statuses[index] = commenters[index].send()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, [commenter.body for commenter in commenters]
