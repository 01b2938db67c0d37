"""Who may see or change what in a group's coffee roulette."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from groups.access import get_group_for_member
from groups.models import Group, Membership

from .models import Pairing, PairingMember, RouletteSettings


def settings_of(group: Group) -> RouletteSettings:
    """The group's settings, or unsaved defaults (roulette off) if never saved."""
    found = RouletteSettings.objects.filter(group=group).first()
    return found or RouletteSettings(group=group)


def get_roulette_for_member(
    request: HttpRequest, slug: str
) -> tuple[Group, Membership | None, RouletteSettings]:
    """(group, membership or None for staff, settings); 403 unless member or staff."""
    group, membership = get_group_for_member(request, slug)
    return group, membership, settings_of(group)


def get_roulette_for_participant(
    request: HttpRequest, slug: str
) -> tuple[Group, Membership, RouletteSettings]:
    """Like `get_roulette_for_member`, but only members: staff cannot take part."""
    group, membership, config = get_roulette_for_member(request, slug)
    if membership is None:
        raise PermissionDenied(_("Only members of this group can take part."))
    return group, membership, config


def get_pairing_for_viewer(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Pairing, list[PairingMember], PairingMember | None]:
    """(pairing, seats, the viewer's seat or None); 404 unless in it or staff."""
    pairing = get_object_or_404(
        Pairing.objects.select_related("round__group"), pk=pk, round__group__slug=slug
    )
    seats = list(pairing.seats.select_related("user").order_by("pk"))
    mine = next((s for s in seats if s.user_id == request.user.pk), None)
    if mine is None and not request.user.is_staff:
        raise Http404(_("No such meeting."))
    return pairing, seats, mine


def get_pairing_for_participant(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Pairing, list[PairingMember], PairingMember]:
    """Like `get_pairing_for_viewer`; 403 for staff who are not in the meeting."""
    pairing, seats, mine = get_pairing_for_viewer(request, slug, pk)
    if mine is None:
        raise PermissionDenied(_("Only the people meeting can change this meeting."))
    return pairing, seats, mine
