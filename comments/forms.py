import hashlib
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.middleware.csrf import get_token

from accounts.names import author_using

from .models import Comment, NoticePreference, one_line, what_happens_next

TOKEN_SALT = "comments.form-issued"


def reader_id(request):
    """Who a form was shown to: a digest of the reader's CSRF secret (their cookie)."""
    secret = request.META.get("CSRF_COOKIE", "")
    return hashlib.sha256(f"comment-form-reader:{secret}".encode()).hexdigest()[:20]


def issue_token(request, post_id):
    """A signed note of which post's form this is, whom it was shown to and when. Made for each
    reader (blog.cache replaces it in cached pages, like the CSRF token)."""
    get_token(request)  # the reader's CSRF secret exists from here on
    token = signing.dumps(
        {"post": int(post_id), "at": int(time.time()), "reader": reader_id(request)},
        salt=TOKEN_SALT,
    )
    personal = getattr(request, "page_personal_values", None)
    if personal is not None:
        personal[token] = f"comment-form:{int(post_id)}"
    return token


class CommentForm(forms.ModelForm):
    remember = forms.BooleanField(
        required=False, label="Remember me", help_text="Keeps name, email and website here."
    )
    # A field people never see or fill in; robots that fill in every field give themselves away.
    homepage = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    issued = forms.CharField(widget=forms.HiddenInput)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)
    author_url = forms.URLField(
        label="Website", max_length=300, required=False, assume_scheme="https"
    )
    notify_replies = forms.BooleanField(
        required=False, label="Mail me replies to my comment", help_text="After you confirm."
    )
    notify_post = forms.BooleanField(
        required=False,
        label="Mail me all new comments on this post",
        help_text="After you confirm.",
    )

    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "author_url", "body"]
        labels = {"body": "Comment"}
        help_texts = {
            "author_email": "Never shown.",
            "body": "Markdown: *emphasis*, `code`, [links](https://…), > quotes. No HTML.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, post, request, **kwargs):
        self.post, self.request = post, request
        self.replying_to = None  # the comment this form answers, once known
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("issued", issue_token(request, post.pk))

    def clean_author_name(self):
        # A line break in a name could forge lines in the mails that quote it.
        return one_line(self.cleaned_data["author_name"])

    def clean(self):
        cleaned = super().clean()
        self.refuse_an_authors_name(cleaned.get("author_name", ""), cleaned.get("author_email", ""))
        return cleaned

    def refuse_an_authors_name(self, name, email):
        """The names and emails of the site's authors are theirs: anyone else (a reader who is
        not logged in as that author) is asked to choose another."""
        reason = "is used by one of this site's authors. If you are that author, log in first; "
        if name and self.is_someone_elses(author_using(name=name)):
            self.add_error(
                "author_name", f"This name {reason}otherwise please choose another name."
            )
        if email and self.is_someone_elses(author_using(email=email)):
            self.add_error(
                "author_email", f"This email {reason}otherwise please use your own address."
            )

    def is_someone_elses(self, author):
        return author is not None and author.pk != self.request.user.pk

    def clean_homepage(self):
        if self.cleaned_data["homepage"]:
            raise forms.ValidationError("This field must stay empty; your comment was not sent.")
        return ""

    def clean_issued(self):
        try:
            token = signing.loads(
                self.cleaned_data["issued"],
                salt=TOKEN_SALT,
                max_age=settings.COMMENTS_FORM_MAX_AGE,
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This form was open for too long. Please send your comment again.", code="stale"
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "This form was changed or damaged. Please send your comment again.", code="stale"
            ) from None
        if token.get("post") != self.post.pk:
            raise forms.ValidationError("This form belongs to another post.", code="stale")
        if token.get("reader") != reader_id(self.request):
            raise forms.ValidationError(
                "This form was shown to another browser (or your cookies changed). Please "
                "send your comment again.",
                code="stale",
            )
        if time.time() - token["at"] < settings.COMMENTS_MIN_SECONDS:
            raise forms.ValidationError(
                "That was sent too quickly after the page loaded. Please wait a moment and "
                "send it again."
            )
        return self.cleaned_data["issued"]

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = (
            Comment.objects.approved().filter(post=self.post, pk=parent_id).select_related("parent")
        ).first()
        if parent is None:
            raise forms.ValidationError("The comment you are replying to is not available.")
        self.replying_to = parent
        return parent

    @property
    def what_happens_next(self):
        """What becomes of the comment once sent (published, or held and why)."""
        return what_happens_next(self.request.user, self.post)

    @property
    def token_is_stale(self):
        """The token cannot become valid by waiting: the form needs a new one."""
        return self.has_error("issued", code="stale")

    def renew_token(self):
        """Replace a token that waiting cannot mend; everything typed stays."""
        self.data = self.data.copy()
        self.data["issued"] = issue_token(self.request, self.post.pk)


HELD_COOKIE = "held_comments"
REMEMBER_COOKIE = "commenter"
COOKIE_AGE = 365 * 24 * 3600


def held_comment_ids(request):
    """Ids of the held comments this reader wrote (from a signed cookie)."""
    ids = request.get_signed_cookie(HELD_COOKIE, default="", salt=HELD_COOKIE, max_age=COOKIE_AGE)
    return [int(part) for part in ids.split(",") if part.isdigit()]


def remembered_commenter(request):
    """Name, email and website from the "remember me" cookie, or from the logged-in user."""
    user = request.user
    if user.is_authenticated:
        return {
            "author_name": user.public_name,
            "author_email": user.email,
            "author_url": user.website,
        }
    try:
        values = signing.loads(
            request.COOKIES.get(REMEMBER_COOKIE, ""), salt=REMEMBER_COOKIE, max_age=COOKIE_AGE
        )
    except signing.BadSignature:
        return {}
    fields = ("author_name", "author_email", "author_url")
    return {field: str(values[field]) for field in fields if field in values} | {"remember": True}


def remember_commenter(response, request, form, comment):
    """Set (or clear) the reader's cookies after a comment was stored."""
    if form.cleaned_data.get("remember"):
        values = {f: getattr(comment, f) for f in ("author_name", "author_email", "author_url")}
        response.set_cookie(
            REMEMBER_COOKIE,
            signing.dumps(values, salt=REMEMBER_COOKIE),
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    elif REMEMBER_COOKIE in request.COOKIES:
        response.delete_cookie(REMEMBER_COOKIE)
    if comment.is_held:
        remember_held(request, response, [comment.pk, *held_comment_ids(request)][:20])


def remember_held(request, response, ids):
    """The signed cookie naming the reader's comments awaiting moderation (see
    comments.middleware: it is pruned as a moderator decides)."""
    response.set_signed_cookie(
        HELD_COOKIE,
        ",".join(map(str, ids)),
        salt=HELD_COOKIE,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


class FollowForm(forms.Form):
    """An address asking to be mailed about a post's comments, a path or the blog."""

    email = forms.EmailField(
        label="Your email",
        help_text="Never shown. We mail it a link to confirm first; nothing else is sent "
        "until you follow it.",
    )


class PrivacyRequestForm(forms.Form):
    email = forms.EmailField(label="Your email")
    action = forms.ChoiceField(
        label="What you want",
        choices=[
            ("export", "A copy of everything this site holds about this address"),
            ("erase", "Erase it: subscriptions, and my name, email and website on my comments"),
        ],
        widget=forms.RadioSelect,
        initial="export",
    )


class NoticePreferenceForm(forms.ModelForm):
    class Meta:
        model = NoticePreference
        fields = ["notices"]
        labels = {"notices": "When someone comments on your posts"}
        widgets = {"notices": forms.RadioSelect}
