"""Hostile Markdown: a corpus modelled on cmark's pathological tests, and (run by hand) the
time each case takes at the largest size the forms accept.

    .venv/bin/python -m bench.pathological      # prints a table; the slowest case last

The suite (tests/blog/test_pathological_markup.py) checks that each case's time grows linearly
with its size; this script records the absolute times for docs/performance.md.
"""

import gc
import os
import sys
import time


def cases(size):
    """{name: text of about `size` characters}: the shapes that make naive parsers quadratic
    (or overflow their stack)."""
    quarter, half, eighth = size // 4, size // 2, size // 8
    return {
        "open brackets [[[": "[" * size,
        "open brackets on lines": "[\n" * half,
        "link openers [a](": "[a](" * quarter,
        "image openers ![": "![" * half,
        "nested brackets [[a]]": "[" * half + "a" + "]" * half,
        "nested links [a]( … )": "[a](" * eighth + ")" * eighth,
        "unclosed links [a](b": "[a](b" * (size // 5),
        "reference definitions": "[a]: /u\n" * (size // 16) + "[a]" * (size // 6),
        "undefined references [a]": "[a]" * (size // 3),
        "footnote openers [^": "[^" * half,
        "emphasis *a": "*a" * half,
        "emphasis _a": "_a" * half,
        "strong closers a**": "a**" * (size // 3),
        "mixed openers *[`<_": "*[`<_" * (size // 5),
        "backtick run": "`" * size,
        "backtick runs of growing length": "".join("`" * n + "a" for n in range(1, 140))[:size],
        "less-than run <": "<" * size,
        "unclosed tags <a": "<a" * half,
        "unclosed autolinks <http://": "<http://" * eighth,
        "unclosed comments <!--": "<!--" * quarter,
        "entities &": "&" * size,
        "backslashes": "\\" * size,
        "deep block quotes >": ">" * size + "a",
        "deep list markers - ": "- " * half + "a",
        "deep indented lists": indented_list(size),
        "deep ordered lists": "1. " * (size // 3) + "a",
        "bare URLs": "http://a." * (size // 9),
        "table pipes": ("|" * 20 + "\n" + "|-" * 10 + "\n") + ("|a" * 10 + "\n") * (size // 21),
        "code fence openers": "```\n" * quarter,
        "python code block": "```python\n" + "f(" * (size // 3) + "\n```",
        "[caption] openers (imported HTML)": "[caption]" * (size // 9),
        "repeated headings # h": "# h\n" * quarter,
        "<pre> openers (imported HTML)": "<pre>a\n\n" * (size // 8),
        "unclosed <div (imported HTML)": "<div" * quarter,
        "block-editor markers": "<!-- wp:paragraph -->\n<p>a</p>\n" * (size // 30),
        "repeated setext headings": "h\n-\n" * quarter,
        "footnotes, defined and used": "x[^1]\n\n[^1]: n\n\n" * (size // 14),
        "links to one reference": "[a]: /u\n\n" + "[a] " * quarter,
    }


def indented_list(size):
    """A list nested one level deeper on every line, cut at `size` characters."""
    lines, total, depth = [], 0, 0
    while total < size:
        lines.append("  " * depth + "- a\n")
        total += len(lines[-1])
        depth += 1
    return "".join(lines)[:size]


def timed(render, text, repeat=1):
    """The fastest of `repeat` renderings, in seconds of this process's CPU time (other
    processes busy on the machine do not count) with the garbage collector paused."""
    best = float("inf")
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.process_time()
            render(text)
            best = min(best, time.process_time() - started)
    finally:
        if collecting:
            gc.enable()
    return best


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from blog.markup import (
        COMMENT_BODY_MAX_CHARS,
        POST_BODY_MAX_CHARS,
        render_comment,
        render_post,
    )

    rows = []
    for kind, render, size in [
        ("comment", render_comment, COMMENT_BODY_MAX_CHARS),
        ("post", lambda text: render_post(text), POST_BODY_MAX_CHARS),
        ("imported HTML", lambda text: render_post(text, markup="html"), POST_BODY_MAX_CHARS),
    ]:
        for name, text in cases(size).items():
            rows.append((timed(render, text), kind, name, len(text)))
            print(f"{kind:14} {name:36} {len(text):>8} chars {rows[-1][0]:8.3f} s", flush=True)
    slowest = max(rows)
    print(f"\nslowest: {slowest[1]} / {slowest[2]} ({slowest[3]} chars): {slowest[0]:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
