"""The comment forms; posting is rate-limited per person in the form's clean."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.validators import validate_multiline_text

BODY_MAX_LENGTH = 5000
# A burst of 5, then one more every 2 minutes (the bucket refills over 10).
COMMENTS_IN_A_ROW = 5
REFILL_SECONDS = 600
TOO_MANY = _(
    "You are commenting too fast: after 5 comments in a row you can post one "
    "every 2 minutes. Please try again in a couple of minutes."
)


class BodyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Your comment"))
        super().__init__(
            max_length=BODY_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_(
                "Markdown: **bold**, *italic*, [a link](https://example.org), lists."
            ),
            validators=[validate_multiline_text],
            error_messages={"required": _("Write your comment before posting it.")},
            **kwargs,
        )


class CommentForm(forms.Form):
    """A new comment or reply by the signed-in person in `request`."""

    body = BodyField()

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Only a comment that would be posted takes a token.
        if cleaned.get("body") and not self.errors:
            key = f"comment:{self.request.user.pk}"
            if not ratelimit.take(
                key, capacity=COMMENTS_IN_A_ROW, period=REFILL_SECONDS
            ):
                raise ValidationError(TOO_MANY, code="rate_limited")
        return cleaned


class EditForm(forms.Form):
    body = BodyField()


class ReplyForm(CommentForm):
    body = BodyField(label=_("Your reply"))
