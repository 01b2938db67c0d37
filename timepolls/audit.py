"""Who does something to a poll, and the one place that writes the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken, User

from .models import AuditEntry, Party, Poll

Via = AuditEntry.Via


@dataclass(frozen=True)
class Actor:
    """A signed-in person, a party through their link, an API token or the system.

    `party` is the party row the actor answers as, when there is one: the
    link's party, or a signed-in person's own party on the poll (resolved per
    poll by the access helpers).
    """

    user: User | None = None
    party: Party | None = None
    token: ApiToken | None = None
    via: str = Via.WEB

    @property
    def kind(self) -> str:
        if self.token is not None:
            return AuditEntry.ActorKind.TOKEN
        if self.user is not None:
            return AuditEntry.ActorKind.PERSON
        if self.party is not None:
            return AuditEntry.ActorKind.PARTY
        return AuditEntry.ActorKind.SYSTEM

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"{self.user} (API token “{self.token.name}”)"
        if self.user is not None:
            return str(self.user)
        if self.party is not None:
            return f"{self.party.name} (private link)"
        return "automatic"

    def for_party(self, party: Party | None) -> Actor:
        return Actor(user=self.user, party=party, token=self.token, via=self.via)


SYSTEM = Actor(via=Via.SYSTEM)


def record(
    poll: Poll,
    actor: Actor,
    action: str,
    *,
    detail: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry. Callers write exactly one per action they carry out."""
    return AuditEntry.objects.create(
        poll_id=poll.pk,
        poll_title=poll.title,
        action=action,
        via=actor.via,
        actor_kind=actor.kind,
        actor_user_id=getattr(actor.user, "pk", None),
        actor_party_id=getattr(actor.party, "pk", None),
        actor_token_id=getattr(actor.token, "pk", None),
        actor_label=actor.label[:200],
        detail=detail or {},
        answers_before=before,
        answers_after=after,
    )


def record_at_most_every(
    window: timedelta, poll: Poll, actor: Actor, action: str, **fields
) -> AuditEntry | None:
    """Append one entry unless this actor logged this action within `window`.

    For what a GET logs (views, uses of dead links): each request wrote a row
    before, so anyone holding a link could grow the log without limit by
    reloading. Two requests at the same instant may both write; that is bounded
    by how many arrive at once, and an append-only log takes no lock for it.
    """
    recent = AuditEntry.objects.filter(
        poll_id=poll.pk,
        action=action,
        via=actor.via,
        actor_kind=actor.kind,
        actor_user_id=getattr(actor.user, "pk", None),
        actor_party_id=getattr(actor.party, "pk", None),
        actor_token_id=getattr(actor.token, "pk", None),
        at__gte=timezone.now() - window,
    )
    if recent.exists():
        return None
    return record(poll, actor, action, **fields)
