"""Synthetic demo content: people, a path tree and posts, generated from a seed.

Nothing here is copied from anywhere: the text comes from small word lists and sentence
shapes, so the same seed always gives the same site.
"""

import datetime
import random
from dataclasses import dataclass, field

from comments.models import Comment

AUTHORS = [
    ("ada", "Ada Lindqvist", "Writes about distributed systems and the books she reads on trains."),
    ("bruno", "Bruno Okafor", "Keeps a diary of walks, bread and broken bicycles."),
    ("chen", "Chen Mei", "Release notes, migration stories and the occasional rant about YAML."),
    ("dora", "Dora Vasquez", "Photographs harbours and reviews science fiction."),
    ("emil", "Emil Novak", "Collects links and opinions, mostly about the web."),
    ("farah", "Farah Haddad", "Reads history, cooks slowly, writes it all down."),
    ("gus", "Gustav Berg", "Operations engineer; on call more than he would like."),
    ("hana", "Hana Sato", "Draws, travels, and writes short posts from long trips."),
]

# Each area: a path subtree, its tags, and the kind of posts it holds.
PATH_TREE = {
    "/book/scifi/Andy_Weir": ("review", ["books", "scifi", "space"]),
    "/book/scifi/Ursula_Le_Guin": ("review", ["books", "scifi", "anthropology"]),
    "/book/history/Mary_Beard": ("review", ["books", "history", "rome"]),
    "/book/history/Barbara_Tuchman": ("review", ["books", "history", "war"]),
    "/diary": ("diary", ["life", "weather"]),
    "/diary/pictures": ("pictures", ["photos", "life", "walks"]),
    "/diary/travel/lisbon": ("travel", ["travel", "photos", "food"]),
    "/diary/travel/kyoto": ("travel", ["travel", "photos", "temples"]),
    "/openstack/kilo": ("release", ["openstack", "python", "cloud"]),
    "/openstack/juno": ("release", ["openstack", "python", "cloud"]),
    "/openstack/liberty/networking": ("release", ["openstack", "networking", "cloud"]),
    "/code/python/django": ("tech", ["python", "django", "web"]),
    "/code/python/packaging": ("tech", ["python", "packaging"]),
    "/code/shell": ("tech", ["shell", "unix"]),
    "/links": ("link", ["links", "web"]),
    "/kitchen/bread": ("recipe", ["food", "bread"]),
}
PATH_TITLES = {
    "/book": "Book reviews",
    "/diary": "Diary",
    "/openstack": "OpenStack",
    "/code": "Code",
    "/links": "Links",
    "/kitchen": "Kitchen",
}
EXTRA_TAGS = ["notes", "opinion", "howto", "weekend", "long-read", "tools", "ideas", "learning"]

ADJECTIVES = [
    "quiet",
    "bright",
    "careful",
    "broken",
    "small",
    "patient",
    "stubborn",
    "early",
    "late",
    "curious",
    "heavy",
    "gentle",
    "strange",
    "simple",
    "useful",
    "honest",
    "narrow",
    "distant",
    "warm",
    "cold",
    "sharp",
    "steady",
    "clever",
    "rough",
]
NOUNS = [
    "harbour",
    "server",
    "river",
    "library",
    "kettle",
    "bicycle",
    "release",
    "window",
    "compiler",
    "garden",
    "train",
    "notebook",
    "bridge",
    "market",
    "cluster",
    "lantern",
    "meadow",
    "archive",
    "network",
    "letter",
    "teapot",
    "ferry",
    "tower",
    "staircase",
    "orchard",
    "keyboard",
    "scheduler",
    "database",
    "village",
    "museum",
]
VERBS = [
    "waits",
    "remembers",
    "breaks",
    "carries",
    "finds",
    "repairs",
    "watches",
    "follows",
    "measures",
    "answers",
    "crosses",
    "builds",
    "forgets",
    "explains",
    "collects",
    "restarts",
]
PLACES = [
    "by the old station",
    "behind the market",
    "under a grey sky",
    "after the long meeting",
    "before breakfast",
    "at the end of the pier",
    "in the back office",
    "on the night train",
]
OPENINGS = [
    "Today",
    "Last week",
    "This morning",
    "Again",
    "Somehow",
    "In the end",
    "For once",
    "As usual",
    "Frankly",
    "Meanwhile",
]
PICTURES = ["bridge", "garden", "harbour", "market", "river", "tower"]  # drawings in static/demo/
COMMANDS = ["make test", "git log --oneline", "pip install -e .", "systemctl status nova-api"]
LANGUAGES = {
    "python": "def {name}({arg}):\n    total = 0\n    for item in {arg}:\n"
    "        total += len(item)\n    return total\n",
    "bash": 'for file in *.{arg}; do\n    echo "checking $file"\n    wc -l "$file"\ndone\n',
    "ini": "[{name}]\nworkers = 3\nlisten = 127.0.0.1:8774\ndebug = false\n",
}


@dataclass
class PostSpec:
    title: str
    body: str
    path: str
    author: int
    published_at: datetime.datetime
    tags: list = field(default_factory=list)
    is_draft: bool = False


class TextMaker:
    """Sentences, paragraphs and Markdown blocks from a seeded random generator."""

    def __init__(self, rng):
        self.rng = rng

    def words(self, count):
        return " ".join(self.rng.choice(NOUNS + ADJECTIVES) for _ in range(count))

    def sentence(self):
        rng = self.rng
        shape = rng.randrange(4)
        adjective, noun, verb = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(VERBS)
        other = rng.choice(NOUNS)
        if shape == 0:
            return f"{rng.choice(OPENINGS)} the {adjective} {noun} {verb} the {other}."
        if shape == 1:
            return f"The {noun} {rng.choice(PLACES)} {verb} a {adjective} {other}."
        if shape == 2:
            return f"Nobody expected that a {adjective} {noun} {verb} so *well*."
        return f"I think the {noun} {verb} the {other} {rng.choice(PLACES)}, and that is fine."

    def paragraph(self, sentences=None):
        count = sentences or self.rng.randint(2, 6)
        return " ".join(self.sentence() for _ in range(count))

    def title(self, kind, path):
        rng = self.rng
        noun, adjective = rng.choice(NOUNS), rng.choice(ADJECTIVES)
        subject = path.rsplit("/", 1)[-1].replace("_", " ")
        return {
            "review": f"Review: The {adjective.title()} {noun.title()} by {subject}",
            "diary": f"{rng.choice(OPENINGS)}: a {adjective} {noun}",
            "pictures": f"Pictures of the {adjective} {noun}",
            "travel": f"{subject.title()}, day {rng.randint(1, 14)}: the {noun}",
            "release": f"{subject.title()}: notes on the {adjective} {noun}",
            "tech": f"How the {noun} {rng.choice(VERBS)} the {rng.choice(NOUNS)}",
            "link": f"Link: a {adjective} essay about the {noun}",
            "recipe": f"Bread with a {adjective} crust, attempt {rng.randint(2, 30)}",
        }[kind]

    def code_block(self):
        language = self.rng.choice(sorted(LANGUAGES))
        code = LANGUAGES[language].format(name=self.rng.choice(NOUNS), arg=self.rng.choice(NOUNS))
        return f"```{language}\n{code}```"

    def block(self):
        """One Markdown block other than a plain paragraph."""
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return self.code_block()
        if kind == 1:
            return "\n".join(f"- {self.sentence()}" for _ in range(rng.randint(2, 5)))
        if kind == 2:
            return "\n".join(f"{n}. {self.sentence()}" for n in range(1, rng.randint(3, 5)))
        if kind == 3:
            return "> " + self.paragraph(2)
        if kind == 4:
            rows = [f"| {rng.choice(NOUNS)} | {rng.randint(1, 99)} |" for _ in range(3)]
            return "| Thing | Count |\n|:------|------:|\n" + "\n".join(rows)
        return f"Run `{rng.choice(COMMANDS)}` and see the [{self.words(2)}](https://example.org/{rng.choice(NOUNS)})."

    def body(self, kind):
        rng = self.rng
        if kind == "link":
            # A title-only link post: the body is just the link.
            return f"<https://example.com/{rng.choice(NOUNS)}/{rng.randint(1, 9999)}>"
        parts = [self.paragraph()]
        if rng.random() < 0.3:
            parts += [self.paragraph(2), "<!--more-->"]
        for _ in range(rng.randint(0, 3)):
            parts.append(self.block() if rng.random() < 0.6 else self.paragraph())
        if kind in {"tech", "release"} and rng.random() < 0.7:
            parts.append(f"## The {rng.choice(NOUNS)}\n\n" + self.code_block())
        if kind in {"pictures", "travel"}:
            scene = rng.choice(PICTURES)
            parts.append(f'![A {scene} at dusk](/static/demo/{scene}.svg "The {scene}, late")')
        if rng.random() < 0.15:
            parts[0] += "[^1]"
            parts.append(f"[^1]: {self.sentence()}")
        parts.append(self.paragraph())
        return "\n\n".join(parts)


def generate_posts(*, count, author_count, seed, now):
    """`count` PostSpecs spread over six years before `now`; a few drafts, a few scheduled."""
    rng = random.Random(seed)
    text = TextMaker(rng)
    areas = sorted(PATH_TREE)
    # Anchored at the start of today, so that one seed gives the same site all day.
    anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = anchor - datetime.timedelta(days=365 * 6)
    span = (anchor - start).total_seconds()
    for index in range(count):
        path = rng.choice(areas)
        kind, area_tags = PATH_TREE[path]
        tags = rng.sample(area_tags, k=rng.randint(1, len(area_tags)))
        if rng.random() < 0.4:
            tags.append(rng.choice(EXTRA_TAGS))
        # The first post is a draft and the second scheduled; after that, one in a hundred each.
        roll = 0.99 if index == 0 else 0.999 if index == 1 else rng.random()
        published_at = start + datetime.timedelta(seconds=rng.random() * span)
        if roll > 0.995:  # scheduled for later
            published_at = anchor + datetime.timedelta(days=rng.randint(1, 60))
        yield PostSpec(
            title=text.title(kind, path),
            body=text.body(kind),
            path=path,
            author=rng.randrange(author_count),
            published_at=published_at.replace(microsecond=0),
            tags=sorted(set(tags)),
            is_draft=0.98 < roll <= 0.995,
        )


FIRST_NAMES = ["Alex", "Bea", "Carl", "Dana", "Eli", "Fern", "Gil", "Hedda", "Ines", "Jon", "Kira"]
LAST_NAMES = ["Ahl", "Brook", "Castell", "Dunmore", "Eck", "Falk", "Grau", "Holt", "Irving", "Juul"]
STATUS_WEIGHTS = [
    (Comment.Status.APPROVED, 0.9),
    (Comment.Status.PENDING, 0.06),
    (Comment.Status.SPAM, 0.03),
    (Comment.Status.REMOVED, 0.01),
]


@dataclass
class CommentSpec:
    post: int  # index into the posts it was generated for
    parent: int | None  # index into the comments generated before it (on the same post)
    depth: int
    name: str
    email: str
    url: str
    body: str
    created_at: datetime.datetime
    status: str


def comment_shares(post_count, seed):
    """How much of the talk each post gets (some posts far more than others), the same
    numbers each time for a seed, without keeping them."""
    rng = random.Random(f"{seed}-shares")
    return (rng.paretovariate(2.0) for _ in range(post_count))


def generate_comments(*, post_dates, count, seed, now, max_depth=3):
    """`count` CommentSpecs on the posts whose publication times are `post_dates` (all in
    the past), post by post, so that they can be stored in slices and forgotten; some posts
    get many more than others; about a third of them replies, threads at most `max_depth`
    deep."""
    rng = random.Random(seed)
    text = TextMaker(rng)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    total = sum(comment_shares(len(post_dates), seed))
    made, share_so_far = 0, 0.0
    for post, (published_at, share) in enumerate(
        zip(post_dates, comment_shares(len(post_dates), seed), strict=True)
    ):
        share_so_far += share
        last = post == len(post_dates) - 1
        until = count if last else min(count, round(count * share_so_far / total))
        first = made  # the index of this post's first comment
        earlier = []  # (depth, created_at) of this post's comments so far
        for _ in range(until - first):
            parent = None
            if earlier and rng.random() < 0.35:
                candidate = rng.randrange(len(earlier))
                if earlier[candidate][0] < max_depth:
                    parent = candidate
            depth = earlier[parent][0] + 1 if parent is not None else 1
            start = earlier[parent][1] if parent is not None else published_at
            seconds = max((now - start).total_seconds(), 60)
            created_at = start + datetime.timedelta(seconds=rng.random() * min(seconds, 86400 * 30))
            created_at = min(created_at, now).replace(microsecond=0)
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            body = text.paragraph(rng.randint(1, 4))
            if rng.random() < 0.15:
                body += f"\n\n> {text.sentence()}"
            if rng.random() < 0.1:
                body += f"\n\nMore at https://example.net/{rng.choice(NOUNS)}"
            yield CommentSpec(
                post=post,
                parent=first + parent if parent is not None else None,
                depth=depth,
                name=f"{first_name} {last_name}",
                email=f"{first_name}.{last_name}{rng.randint(1, 99)}@example.net".lower(),
                url=f"https://{first_name.lower()}.example.org/" if rng.random() < 0.3 else "",
                body=body,
                created_at=created_at,
                status=rng.choices(statuses, weights)[0]
                if parent is None
                else Comment.Status.APPROVED,
            )
            earlier.append((depth, created_at))
        made = max(made, until)


def draw_picture(rng, width=960, height=640):
    """A simple generated landscape (sky, hills, sun) as PNG bytes, for demo galleries."""
    import io

    from PIL import Image, ImageDraw

    sky = (rng.randrange(90, 200), rng.randrange(140, 220), rng.randrange(190, 255))
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    sun = (rng.randrange(width), rng.randrange(height // 3))
    draw.ellipse([sun[0] - 50, sun[1] - 50, sun[0] + 50, sun[1] + 50], fill=(250, 214, 90))
    for layer in range(3):
        base = height // 2 + layer * height // 8
        shade = (40 + layer * 30, 110 + layer * 25, 60 + layer * 10)
        points = (
            [(0, height)]
            + [(x, base - rng.randrange(0, height // 5)) for x in range(0, width + 80, 80)]
            + [(width, height)]
        )
        draw.polygon(points, fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
