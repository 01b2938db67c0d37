"""Calendar replies as Gmail and Outlook send them, posted as SendGrid posts them.

`reply_ics` answers an invitation we sent (the REQUEST's UID, SEQUENCE and
ORGANIZER) with METHOD:REPLY and one ATTENDEE, in the shape each client
writes: Gmail names the attendee by address with CUTYPE and X-NUM-GUESTS,
Outlook (Exchange) writes MAILTO in capitals, a localised SUMMARY and its
X-MICROSOFT properties. `gmail_mime` and `outlook_mime` wrap it as those
clients do: Gmail as multipart/mixed with a text/calendar alternative plus an
invite.ics attachment, Outlook as multipart/alternative with a base64
text/calendar part.

`inbound_parse_body` is the multipart/form-data body of SendGrid's Inbound
Parse webhook, with its boundary (`xYzZY`, as in SendGrid's own sample
payloads in sendgrid/helpers/inbound/sample_data) and its fields in its
order: with "POST the raw, full MIME message" the message is the `email`
field; without it, SendGrid's parsed fields and the attachments as files
`attachment1`... described by `attachment-info`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from icalendar import Calendar, Event, vCalAddress, vText

BOUNDARY = "xYzZY"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def reply_ics(
    request_ics: bytes,
    *,
    attendee: str,
    partstat: str,
    client: str = "gmail",
    stamp: datetime | None = None,
    method: str = "REPLY",
    **override,
) -> bytes:
    """A REPLY to `request_ics` from `attendee`; `override` replaces UID etc."""
    (request,) = Calendar.from_ical(request_ics).walk("VEVENT")
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    if client == "gmail":
        cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", method)
    else:
        cal.add("method", method)
        cal.add("prodid", "Microsoft Exchange Server 2010")
        cal.add("version", "2.0")
    ve = Event()
    fields = {
        "uid": str(request["uid"]),
        "sequence": int(request["sequence"]),
        "dtstart": request["dtstart"].dt,
        "dtend": request["dtend"].dt,
        "dtstamp": stamp,
        "organizer": request["organizer"],
        **override,
    }
    address = vCalAddress(
        f"mailto:{attendee}" if client == "gmail" else f"MAILTO:{attendee}"
    )
    if client == "gmail":
        address.params.update(
            {"cutype": "INDIVIDUAL", "role": "REQ-PARTICIPANT", "partstat": partstat,
             "cn": attendee, "x-num-guests": "0"}
        )  # fmt: skip
        ve.add("dtstart", fields["dtstart"])
        ve.add("dtend", fields["dtend"])
        ve.add("dtstamp", fields["dtstamp"])
        ve.add("organizer", fields["organizer"])
        ve.add("uid", fields["uid"])
        ve.add("attendee", address)
        ve.add("created", stamp)
        ve.add("description", str(request.get("description", "")))
        ve.add("last-modified", stamp)
        ve.add("location", str(request.get("location", "")))
        ve.add("sequence", fields["sequence"])
        ve.add("status", "CONFIRMED")
        ve.add("summary", str(request["summary"]))
        ve.add("transp", "OPAQUE")
    else:
        address.params.update({"partstat": partstat, "cn": vText("Ann")})
        word = {"ACCEPTED": "Accepted", "DECLINED": "Declined"}.get(
            partstat, "Tentative"
        )
        ve.add("attendee", address)
        ve.add("comment", "\n")
        ve.add("summary", f"{word}: {request['summary']}")
        ve.add("dtstart", fields["dtstart"])
        ve.add("dtend", fields["dtend"])
        ve.add("uid", fields["uid"])
        ve.add("class", "PUBLIC")
        ve.add("priority", 5)
        ve.add("dtstamp", fields["dtstamp"])
        ve.add("transp", "OPAQUE")
        ve.add("status", "CONFIRMED")
        ve.add("sequence", fields["sequence"])
        ve.add("x-microsoft-cdo-appt-sequence", str(fields["sequence"]))
        ve.add("x-microsoft-cdo-replytime", stamp)
    cal.add_component(ve)
    return cal.to_ical()


def gmail_mime(ics: bytes, *, sender: str, to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Subject"] = subject
    message["Message-ID"] = "<0000000000001a2b3c@google.com>"
    message.set_content("Ann has replied to this invitation.\n")
    message.add_alternative(
        "<p>Ann has replied to this invitation.</p>", subtype="html"
    )
    message.add_alternative(
        ics.decode(), subtype="calendar", params={"method": "REPLY"}, cte="7bit"
    )
    message.add_attachment(
        ics, maintype="application", subtype="ics", filename="invite.ics"
    )
    return message.as_bytes()


def outlook_mime(ics: bytes, *, sender: str, to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Subject"] = subject
    message["Thread-Topic"] = subject
    message["Content-Class"] = "urn:content-classes:calendarmessage"
    message.set_content("\n")
    message.add_alternative(
        ics.decode(), subtype="calendar", params={"method": "REPLY"}, cte="base64"
    )
    return message.as_bytes()


def inbound_parse_body(
    *,
    mime: bytes,
    envelope_to: str,
    envelope_from: str,
    raw: bool = True,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """SendGrid's POST for one received message (raw or parsed mode)."""
    from email import message_from_bytes
    from email.parser import BytesHeaderParser
    from email.policy import default

    # Raw mode needs the headers only, which also suits a broken body.
    parser = BytesHeaderParser(policy=default).parsebytes
    parsed = parser(mime) if raw else message_from_bytes(mime, policy=default)
    envelope = json.dumps({"to": [envelope_to], "from": envelope_from})
    common_head = [("dkim", "{@example.org : pass}")]
    if raw:
        fields = [
            *common_head,
            ("email", mime.decode()),
            ("to", str(parsed["To"])),
            ("from", str(parsed["From"])),
            ("sender_ip", "209.85.214.45"),
            ("envelope", envelope),
            ("subject", str(parsed["Subject"])),
            (
                "charsets",
                json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8"}),
            ),  # fmt: skip
            ("SPF", "pass"),
        ]
        return _form(fields, [])
    body = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    headers = "".join(f"{k}: {v}\n" for k, v in parsed.items())
    info = {
        f"attachment{i}": {"filename": name, "name": name, "type": kind}
        for i, (name, kind, _) in enumerate(attachments, 1)
    }
    fields = [
        ("headers", headers),
        *common_head,
        ("content-ids", "{}"),
        ("to", str(parsed["To"])),
        ("html", html.get_content() if html else ""),
        ("from", str(parsed["From"])),
        ("text", body.get_content() if body else ""),
        ("sender_ip", "209.85.214.45"),
        ("envelope", envelope),
        ("attachments", str(len(attachments))),
        ("subject", str(parsed["Subject"])),
        ("attachment-info", json.dumps(info)),
        (
            "charsets",
            json.dumps(
                {
                    "to": "UTF-8",
                    "html": "UTF-8",
                    "subject": "UTF-8",
                    "from": "UTF-8",
                    "text": "UTF-8",
                }
            ),
        ),  # fmt: skip
        ("SPF", "pass"),
    ]
    files = [
        (f"attachment{i}", name, kind, content)
        for i, (name, kind, content) in enumerate(attachments, 1)
    ]
    return _form(fields, files)


def _form(fields, files) -> bytes:
    out = []
    for name, value in fields:
        out.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, kind, content in files:
        out.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    out.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(out)
