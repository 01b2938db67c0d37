"""Demo people for `manage.py load_demo`."""

from django.utils import timezone

from .models import User

PEOPLE = [
    ("Ada Organiser", "ada@example.org", "Europe/London"),
    ("Bruno Member", "bruno@example.org", "Europe/Berlin"),
    ("Chiara Rossi", "chiara@example.org", "Europe/Rome"),
    ("Dev Patel", "dev@example.org", "Asia/Kolkata"),
    ("Emi Tanaka", "emi@example.org", "Asia/Tokyo"),
    ("Femi Okafor", "femi@example.org", "Africa/Lagos"),
    ("Grace Lee", "grace@example.org", "America/New_York"),
    ("Hugo Silva", "hugo@example.org", "America/Sao_Paulo"),
    ("Ines Dubois", "ines@example.org", "Europe/Paris"),
    ("Jonas Berg", "jonas@example.org", "Europe/Stockholm"),
    ("Kai Müller", "kai@example.org", "Europe/Berlin"),
    ("Lena Novak", "lena@example.org", "Europe/Prague"),
]


def seed(data: dict) -> None:
    now = timezone.now()
    people = [
        User.objects.create_user(email, name, timezone=tz, email_verified_at=now)
        for name, email, tz in PEOPLE
    ]
    admin = User.objects.create_user(
        "admin@example.org",
        "Site Admin",
        is_staff=True,
        is_superuser=True,
        email_verified_at=now,
    )
    data["people"] = people
    data["admin"] = admin
    data.setdefault("notes", []).append(
        "Sign in as admin@example.org (staff) or ada@example.org (group owner); "
        "sign-in links are written to var/mail/."
    )
