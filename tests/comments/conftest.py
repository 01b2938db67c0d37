import pytest


@pytest.fixture
def comment(event, member):
    """Mo Member's question on the event."""
    from tests.factories import CommentFactory

    return CommentFactory(event=event, author=member, body="Is there *pizza*?")


@pytest.fixture
def co_owner(group):
    from tests.factories import MembershipFactory, UserFactory

    person = UserFactory(email="cora@example.org", name="Cora Co-owner")
    MembershipFactory(user=person, group=group, role="owner")
    return person
