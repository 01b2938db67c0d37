"""Who may see or change a poll: one place for the web pages and the API.

- The organiser (and staff) may do everything.
- A party signed in with the party's address sees the poll and answers.
- A party through a working private link sees that poll and answers, nothing
  else; the link never signs anyone in.
- Anyone else gets 404 (a poll is never visible to them); a party trying an
  organiser's action gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User

from .audit import Actor
from .models import Party, PartyLink, Poll


@dataclass(frozen=True)
class PollAccess:
    poll: Poll
    party: Party | None
    is_organiser: bool
    actor: Actor

    @property
    def can_answer(self) -> bool:
        return self.party is not None


def _poll(pk: int) -> Poll:
    poll = Poll.objects.select_related("organiser", "agreed_time").filter(pk=pk).first()
    if poll is None:
        raise Http404(_("No such poll."))
    return poll


def for_user(user: User, pk: int, *, actor: Actor) -> PollAccess:
    """A signed-in person's (or API token's) access; 404 if not theirs to see."""
    poll = _poll(pk)
    party = poll.parties.filter(email=user.email.lower()).first()
    is_organiser = poll.organiser_id == user.pk or user.is_staff
    if party is None and not is_organiser:
        raise Http404(_("No such poll."))
    return PollAccess(
        poll=poll, party=party, is_organiser=is_organiser, actor=actor.for_party(party)
    )


def for_organiser(user: User, pk: int, *, actor: Actor) -> PollAccess:
    access = for_user(user, pk, actor=actor)
    if not access.is_organiser:
        raise PermissionDenied(_("Only the poll's organiser can do that."))
    return access


def for_link(link: PartyLink, *, via: str) -> PollAccess:
    """A working link's access: its party's view of its poll only."""
    party = link.party
    poll = party.poll
    return PollAccess(
        poll=poll,
        party=party,
        is_organiser=False,
        actor=Actor(party=party, via=via),
    )


def web_actor(request: AuthenticatedHttpRequest) -> Actor:
    return Actor(user=request.user)


def poll_for_person(request: AuthenticatedHttpRequest, pk: int) -> PollAccess:
    return for_user(request.user, pk, actor=web_actor(request))


def poll_for_organiser(request: AuthenticatedHttpRequest, pk: int) -> PollAccess:
    return for_organiser(request.user, pk, actor=web_actor(request))
