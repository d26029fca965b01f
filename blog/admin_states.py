"""States in the admin: the post form's state choice and its rules, the state column and
filter, the publishing actions, and the message that says what a save did."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil

from .models import Post
from .review import after_state_change

State = Post.State
# What each state stores: a scheduled post is published with a time to come.
STATUS_OF = {
    State.DRAFT: Post.Status.DRAFT,
    State.PENDING: Post.Status.PENDING,
    State.SCHEDULED: Post.Status.PUBLISHED,
    State.PUBLISHED: Post.Status.PUBLISHED,
    State.UNLISTED: Post.Status.UNLISTED,
}
# What a contributor may choose: an editor publishes or schedules their post.
CONTRIBUTOR_STATES = (State.DRAFT, State.PENDING)
# Shown beside the colour, so that the state never rests on colour alone.
ICONS = {
    State.DRAFT: "✎",
    State.PENDING: "⧗",
    State.SCHEDULED: "◷",
    State.PUBLISHED: "✓",
    State.UNLISTED: "⊘",
}
STATE_HELP = (
    "Scheduled: live at the time below. Unlisted: only by its link. "
    "Pending review: waits for an editor."
)
SUBMIT_FOR_REVIEW = "_submit_for_review"  # the form's "Submit for review" button


def states_for(user):
    """The states `user` may give a post."""
    if user is not None and not user.can_publish:
        return [(state.value, state.label) for state in CONTRIBUTOR_STATES]
    return State.choices


class StateFormMixin:
    """The post (or page) form's "state" field, stored in `status`: Draft, Pending review,
    Scheduled, Published or Unlisted. A scheduled post needs a time to come; a published or
    unlisted one a time that has come (choosing Scheduled is how a post is scheduled)."""

    def setup_state_field(self):
        if "status" not in self.fields:
            return
        self.fields["status"] = forms.ChoiceField(
            label="State", choices=states_for(self.user), help_text=STATE_HELP
        )
        if self.instance.pk:
            self.initial["status"] = self.instance.current_state.value
        else:
            self.initial["status"] = State.DRAFT.value
        if "published_at" in self.fields:
            field = self.fields["published_at"]
            field.label = "Date and time"
            # The admin's date and time inputs share one label: each says which it is.
            for widget, name in zip(
                getattr(field.widget, "widgets", ()), ("Date", "Time"), strict=False
            ):
                widget.attrs["aria-label"] = name

    def clean_state(self, cleaned):
        state = cleaned.get("status")
        if state is None:
            return
        if SUBMIT_FOR_REVIEW in self.data:
            state = State.PENDING
        kind = "page" if self.instance.is_page else "post"
        when = cleaned.get("published_at")
        now = timezone.now()
        if when is not None and state == State.SCHEDULED and when <= now:
            self.add_error(
                "published_at",
                "Scheduled needs a time still to come: choose a later time, "
                f"or Published to publish the {kind} now.",
            )
        elif when is not None and state in (State.PUBLISHED, State.UNLISTED) and when > now:
            self.add_error(
                "published_at",
                f"This time is still to come: choose Scheduled to publish the {kind} then, "
                "or a time that has passed.",
            )
        self.chosen_state = State(state)
        cleaned["status"] = STATUS_OF[self.chosen_state]


def state_badge(post):
    """The state as colour, icon and words."""
    state = post.current_state
    return format_html(
        '<span class="post-state post-state-{}"><span aria-hidden="true">{}</span> {}</span>',
        state.value,
        ICONS[state],
        state.label,
    )


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, queryset):
        if self.value() in State.values:
            return queryset.in_state(State(self.value()))
        return queryset


def site_url(request):
    return f"{request.scheme}://{request.get_host()}"


def change_state(request, queryset, status, **fields):
    """Give every post of `queryset` the status (one save each: revisions, cache, mail)."""
    changed = 0
    for post in queryset:
        previous = post.status
        post.status, post.edited_by = status, request.user
        for name, value in fields.items():
            setattr(post, name, value)
        post.save()
        after_state_change(post, previous, request.user, site_url(request))
        changed += 1
    return changed


@admin.action(description="Publish the selected posts now", permissions=["publish"])
def publish_now(modeladmin, request, queryset):
    waiting = queryset.exclude(pk__in=queryset.readable().values("pk"))
    change_state(request, waiting, Post.Status.PUBLISHED, published_at=timezone.now())
    modeladmin.message_user(request, "Published.", messages.SUCCESS)


@admin.action(description="Unpublish the selected posts (back to draft)", permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    change_state(request, queryset.exclude(status=Post.Status.DRAFT), Post.Status.DRAFT)
    modeladmin.message_user(request, "Unpublished.", messages.SUCCESS)


@admin.action(description="Submit the selected drafts for review", permissions=["change"])
def submit_for_review(modeladmin, request, queryset):
    count = change_state(request, queryset.drafts(), Post.Status.PENDING)
    modeladmin.message_user(
        request, f"Submitted {count} for review: the editors are told.", messages.SUCCESS
    )


def state_message(post, previous_status=None):
    """What a save did, in the blog's terms: published (with a link), scheduled for when,
    submitted for review (only when it was not waiting already: the editors are told once),
    unlisted, or kept as a draft (with the author's preview)."""
    kind = "page" if post.is_page else "post"
    if post.is_published:
        return format_html('Published — <a href="{}">view it</a>.', post.get_absolute_url())
    if post.is_scheduled:
        when = timezone.localtime(post.published_at)
        same_year = when.year == timezone.localtime().year
        return format_html(
            "Scheduled for {} (in {}): readers see the {} from then on.",
            f"{when:%a %-d %b %H:%M}" if same_year else f"{when:%a %-d %b %Y %H:%M}",
            timeuntil(post.published_at),
            kind,
        )
    if post.status == Post.Status.UNLISTED:
        return format_html(
            'Unlisted — <a href="{}">view it</a>: only people with its link see it; no listing, '
            "feed or search shows it.",
            post.get_absolute_url(),
        )
    if post.status == Post.Status.PENDING and previous_status == Post.Status.PENDING:
        return format_html(
            'Saved: still waiting for review. <a href="{}">Preview it</a>.',
            post.get_share_url(),
        )
    if post.status == Post.Status.PENDING:
        return format_html(
            'Submitted for review: the editors are told. <a href="{}">Preview it</a>.',
            post.get_share_url(),
        )
    return format_html(
        'Saved as a draft: readers do not see it. <a href="{}">Preview it</a>.',
        post.get_share_url(),
    )
