"""What is cached or validated per page is per language too: an event card
rendered in English is never shown to a German reader, nor a feed's body or
its entity tag."""

from tests.factories import EventFactory, RsvpFactory


def test_a_card_cached_in_english_is_not_shown_in_german(client, group, owner):
    event = EventFactory(group=group, title="Cards", capacity=3)
    RsvpFactory(event=event, user=owner)

    english = client.get(group.get_absolute_url(), headers={"accept-language": "en"})
    german = client.get(group.get_absolute_url(), headers={"accept-language": "de"})

    assert "<p>1 attending of 3</p>" in english.content.decode()
    assert "<p>1 Zusage von 3</p>" in german.content.decode()


def test_a_group_feed_has_a_body_and_tag_per_language(client, group):
    EventFactory(group=group, status="cancelled", cancel_message="Snowed in")
    url = f"/groups/{group.slug}/calendar.ics"

    english = client.get(url, headers={"accept-language": "en"})
    german = client.get(url, headers={"accept-language": "de"})
    again = client.get(
        url, headers={"accept-language": "de", "if-none-match": english["ETag"]}
    )

    assert "Cancelled: Snowed in" in english.content.decode()
    assert "Abgesagt: Snowed in" in german.content.decode()
    assert english["ETag"] != german["ETag"]
    assert again.status_code == 200


def test_an_event_file_has_a_tag_per_language(client, event):
    english = client.get(f"/events/{event.pk}/event.ics")
    german = client.get(
        f"/events/{event.pk}/event.ics",
        headers={"accept-language": "de", "if-none-match": english["ETag"]},
    )

    assert german.status_code == 200
    assert german["ETag"] != english["ETag"]
