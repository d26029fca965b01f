"""Tags whose slug no URL accepts (empty for a name like "😀", or odd characters) made every
page linking to them fail: give each a slug of letters and digits of any script."""

import hashlib
import re
import unicodedata

from django.db import migrations
from django.utils.text import slugify

TAG_SLUG = re.compile(r"^[-\w]+$")


def fix_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.all():
        if TAG_SLUG.match(tag.slug or "") and tag.slug.strip("-_"):
            continue
        base = slugify(tag.name, allow_unicode=True).strip("-_")
        if not base:
            words = " ".join(unicodedata.name(c, "") for c in tag.name.strip()[:8])
            base = slugify(words)[:80].strip("-")
            base = base or "tag-" + hashlib.sha256(tag.name.encode()).hexdigest()[:10]
        slug, number = base[:90], 1
        while slug in taken:
            number += 1
            slug = f"{base[:90]}-{number}"
        taken.add(slug)
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0012_unicode_slugs"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(fix_slugs, migrations.RunPython.noop)]
