from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from groups.models import Group, Membership


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_group_with_new_owner_creates_unverified_account(tmp_path):
    description = tmp_path / "about.md"
    description.write_text("# Hello\n\nWe meet monthly.")

    out = run(
        "create_group", "Rust Berlin", "--slug", "rust-berlin",
        "--owner", "Olga@Example.org", "--description-file", str(description),
        "--timezone", "Europe/Berlin",
    )  # fmt: skip

    group = Group.objects.get(slug="rust-berlin")
    assert (
        out == "Created group Rust Berlin (rust-berlin), owned by Olga@Example.org.\n"
    )
    assert (group.timezone, group.description) == (
        "Europe/Berlin",
        "# Hello\n\nWe meet monthly.",
    )
    owner = User.objects.get(email="olga@example.org")
    assert owner.is_verified is False
    assert Membership.objects.get(group=group).role == "owner"


@pytest.mark.parametrize(
    "args,message",
    [
        (["--slug", "bad slug!", "--owner", "a@example.org"], "Enter a valid “slug”"),
        (["--slug", "ok", "--owner", "not-an-email"], "Enter a valid email address."),
        (
            ["--slug", "ok", "--owner", "a@example.org", "--timezone", "Mars/Base"],
            "not a known time zone",
        ),
        (
            [
                "--slug",
                "ok",
                "--owner",
                "a@example.org",
                "--description-file",
                "/nope.md",
            ],
            "Cannot read /nope.md",
        ),
    ],
)
@pytest.mark.django_db
def test_create_group_bad_input_fails_with_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_group", "Name", *args)

    assert Group.objects.count() == 0


OWNER = ["--owner", "a@example.org"]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["N" * 121, "--slug", "ok", *OWNER],
            "The name has 121 characters; it can have at most 120",
        ),
        (
            ["Name", "--slug", "s" * 61, *OWNER],
            "--slug has 61 characters; it can have at most 60",
        ),
        (
            [
                "Name",
                "--slug",
                "ok",
                "--owner",
                "a" * 64 + "@" + "b" * 60 + ".b" * 91 + ".org",
            ],
            "--owner has 311 characters; it can have at most 254",
        ),
        (
            ["Name", "--slug", "ok", *OWNER, "--location", "L" * 201],
            "--location has 201 characters; it can have at most 200",
        ),
    ],
)
@pytest.mark.django_db
def test_create_group_over_long_value_fails_with_one_line(args, message):
    with pytest.raises(CommandError, match=f"^{message}\\.$"):
        run("create_group", *args)

    assert (Group.objects.count(), User.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "args",
    [
        ["Rust\x1b[2J Berlin", "--slug", "ok", *OWNER],
        ["Rust Berlin", "--slug", "ok", *OWNER, "--location", "Berlin\r"],
    ],
)
@pytest.mark.django_db
def test_create_group_refuses_control_characters(args):
    with pytest.raises(CommandError, match="^Control characters"):
        run("create_group", *args)

    assert Group.objects.count() == 0


@pytest.mark.parametrize(
    "command,args",
    [
        ("add_owner", ["rust\x00berlin", "charlie@example.org"]),
        ("add_owner", ["rust-berlin", "charlie\x00@example.org"]),
        ("remove_owner", ["rust\x00berlin", "charlie@example.org"]),
        (
            "create_group",
            ["Name", "--slug", "ok", *OWNER, "--description-file", "a\x00"],
        ),
    ],
)
def test_group_commands_refuse_nul_bytes_in_arguments(group, charlie, command, args):
    with pytest.raises(CommandError, match="^Error: argument .*: Control characters"):
        run(command, *args)

    assert Group.objects.count() == 1


def test_create_group_duplicate_slug_fails(group):
    with pytest.raises(CommandError, match="exists already"):
        run(
            "create_group", "Other", "--slug", "rust-berlin", "--owner", "x@example.org"
        )

    assert Group.objects.count() == 1


def test_add_owner_promotes_and_joins(group, owner, charlie):
    out = run("add_owner", "rust-berlin", "CHARLIE@example.org")

    assert out == "charlie@example.org is now an owner of Rust Berlin.\n"
    assert Membership.objects.get(group=group, user=charlie).role == "owner"


@pytest.mark.parametrize(
    "args,message",
    [
        (["nope", "charlie@example.org"], "No group with the slug “nope”."),
        (
            ["rust-berlin", "ghost@example.org"],
            "No account with the email address ghost@example.org.",
        ),
    ],
)
def test_add_owner_bad_input(group, charlie, args, message):
    with pytest.raises(CommandError, match=message):
        run("add_owner", *args)


def test_remove_owner_never_removes_the_last(group, owner):
    with pytest.raises(CommandError, match="needs at least one owner"):
        run("remove_owner", "rust-berlin", "olga@example.org")

    assert Membership.objects.get(user=owner).role == "owner"


def test_remove_owner_demotes_a_co_owner(group, owner, member):
    run("add_owner", "rust-berlin", "mo@example.org")

    out = run("remove_owner", "rust-berlin", "mo@example.org")

    assert out == "mo@example.org is no longer an owner of Rust Berlin.\n"
    assert Membership.objects.get(user=member).role == "member"


def test_remove_owner_of_non_owner(group, owner, member):
    with pytest.raises(
        CommandError, match="mo@example.org is not an owner of Rust Berlin."
    ):
        run("remove_owner", "rust-berlin", "mo@example.org")


def test_list_groups(group, owner, member):
    out = run("list_groups")

    assert out == "rust-berlin\tRust Berlin\t2 members\towners: olga@example.org\n"


def test_list_groups_escapes_what_a_terminal_would_act_on(group, owner):
    Group.objects.filter(pk=group.pk).update(name="Rust\x1b[2J\x07 Berlin\u202e 🦀")

    out = run("list_groups")

    assert out == (
        "rust-berlin\tRust\\x1b[2J\\x07 Berlin\\u202e 🦀\t1 members\t"
        "owners: olga@example.org\n"
    )


@pytest.mark.django_db
def test_list_groups_when_none():
    assert (
        run("list_groups") == "No groups yet. Create one with manage.py create_group.\n"
    )


@pytest.mark.django_db
def test_create_group_refuses_an_owner_address_sendgrid_would_refuse():
    with pytest.raises(
        CommandError,
        match="^Enter an address email can be delivered to, like ada@example.org.$",
    ):
        run("create_group", "Rust Berlin", "--slug", "rb", "--owner", '"a@b"@x.org')

    assert (Group.objects.count(), User.objects.count()) == (0, 0)
