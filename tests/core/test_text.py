from core.text import printable


def test_printable_keeps_letters_of_every_script_and_emoji():
    assert printable("Zürich שלום 東京 🦀 a b") == "Zürich שלום 東京 🦀 a b"


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable("a\x1b[2J\x07\t\n\u202e\x9b") == "a\\x1b[2J\\x07\\t\\n\\u202e\\x9b"
