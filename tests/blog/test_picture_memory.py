"""Hostile pictures: too many pixels are refused from the header, before any decoding; what is
accepted is processed within a stated memory ceiling, also several in one request."""

import io
import json
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from blog.uploads import open_upload

# The most memory processing one accepted upload may add to a worker (docs/deploy.md, "Memory").
CEILING_MB = 250


def png(width, height, mode="P"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def test_a_huge_picture_in_a_small_file_is_refused_without_being_decoded(monkeypatch, settings):
    data = png(7000, 7000)
    assert len(data) < 1_000_000

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(ValidationError) as refusal:
        open_upload(SimpleUploadedFile("big.png", data))
    assert refusal.value.code == "too_many_pixels"


CHILD = """
import io, json, resource, sys
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from blog.uploads import open_upload, renditions

side = int(settings.BLOG_IMAGE_MAX_PIXELS ** 0.5)
files = []
for mode in ("P", "RGBA", "RGB"):
    buffer = io.BytesIO()
    Image.new(mode, (side, side)).save(buffer, "PNG")
    files.append(buffer.getvalue())
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
made = []
for data in files + files[:1]:  # several in one request, one after the other
    made.append(renditions(open_upload(SimpleUploadedFile("x.png", data))))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_mb": (peak - start) / 1024, "side": side}))
"""


@pytest.mark.slow
def test_the_largest_accepted_pictures_stay_under_the_memory_ceiling():
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "SECRET_KEY": "memory-test"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["side"] ** 2 <= 25_000_000
    assert figures["grew_mb"] < CEILING_MB, figures
