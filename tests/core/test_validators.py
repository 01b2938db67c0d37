import pytest
from django.core.exceptions import ValidationError

from core.validators import validate_multiline_text, validate_single_line


@pytest.mark.parametrize(
    "value", ["Rust Berlin", "שלום עולם", "Café 🦀👩‍💻", "Ünïcödé – “quoted”", ""]
)
def test_single_line_accepts_text_in_any_script(value):
    assert validate_single_line(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "a\x1b[31mred",
        "bell\x07",
        "tab\there",
        "two\nlines",
        "cr\r",
        "del\x7f",
        "c1\x9b",
        "ls\u2028",
    ],
)
def test_single_line_refuses_control_characters(value):
    with pytest.raises(ValidationError, match="Control characters"):
        validate_single_line(value)


def test_multiline_text_keeps_tabs_and_line_breaks():
    assert validate_multiline_text("# Hi\r\n\n\tindented") is None


@pytest.mark.parametrize("value", ["a\x1b[2J", "\x08backspace", "\x9b31m"])
def test_multiline_text_refuses_other_control_characters(value):
    with pytest.raises(ValidationError, match="Control characters"):
        validate_multiline_text(value)
