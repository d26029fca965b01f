from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property


class User(AbstractUser):
    """A person who can log in: an author, an editor, or a reader who comments as themselves."""

    display_name = models.CharField(max_length=150, blank=True)
    bio = models.TextField(blank=True)
    website = models.URLField(blank=True)
    imported_from = models.CharField(
        max_length=50, blank=True, help_text="Set for accounts made by an import (e.g. wordpress)."
    )

    def __str__(self):
        return self.public_name

    @property
    def public_name(self):
        """The name readers see: the display name, else the full name, else the username."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def safe_website(self):
        """The website for a link: only http(s), whatever reached the database."""
        return self.website if self.website.lower().startswith(("http://", "https://")) else ""

    @cached_property
    def is_editor(self):
        """Editors (and superusers) may act on every post and comment, not only their own."""
        return self.is_superuser or self.groups.filter(name="Editor").exists()

    @cached_property
    def can_publish(self):
        """Everyone but a Contributor (WordPress's role) may publish; a contributor's post
        goes to an editor for review."""
        if self.is_superuser:
            return True
        roles = set(self.groups.values_list("name", flat=True))
        return "Contributor" not in roles or bool(roles & {"Author", "Editor"})

    def get_absolute_url(self):
        return reverse("blog:author-detail", kwargs={"username": self.username})
