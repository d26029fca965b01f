from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Moving blogs in and out, and demo content: import_wxr, import_blosxom, export_wxr,
    generate_content. Sits above blog and comments; nothing imports it."""

    name = "tooling"
    verbose_name = "Import, export and demo content"
