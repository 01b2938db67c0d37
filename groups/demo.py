"""Demo groups for `manage.py load_demo`: two groups, owners and members, logos."""

from core.images import generated, process

from .forms import LogoForm
from .models import Membership
from .services import group_create, group_logo_set

RUST = """Rustaceans in Berlin and online. We meet monthly for talks, pairing and pizza.

- Talks from members, beginners welcome
- [Code of conduct](https://www.rust-lang.org/policies/code-of-conduct)
"""
STUDY = """An online study group working through
*Designing Data-Intensive Applications*, one chapter every two weeks."""


def seed(data: dict) -> None:
    people = data["people"]
    rust = group_create(
        name="Rust Berlin",
        slug="rust-berlin",
        owner_email=people[0].email,
        description=RUST,
        location="Berlin and online",
        tz="Europe/Berlin",
    )
    study = group_create(
        name="DDIA Study Group",
        slug="ddia-study",
        owner_email=people[1].email,
        description=STUDY,
        location="Online",
        tz="UTC",
    )
    Membership.objects.bulk_create(
        [Membership(user=p, group=rust) for p in people[1:10]]
        + [Membership(user=p, group=study) for p in people[0:1] + people[2:8]]
    )
    for group, text, colours, alt in [
        (
            rust,
            "RB",
            ("#f74c00", "#8a2b00"),
            "Rust Berlin's logo: RB in white on orange",
        ),
        (study, "DDIA", ("#2b6cb0", "#1a365d"), "DDIA in white on blue"),
    ]:
        drawn = generated(text, size=(512, 512), colours=colours)
        group_logo_set(group=group, image=process(drawn, LogoForm.shape), alt=alt)
    data["groups"] = {"rust": rust, "study": study}
