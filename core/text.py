"""Text for terminals: what commands print of what people typed."""


def printable(text: str) -> str:
    """`text` with every non-printable character as a Python escape (\\x1b, \\u202e).

    Names and titles come from forms and older rows alike; printed raw, an
    escape sequence in one would reach the terminal of whoever runs the command
    and could clear it, recolour it or retitle the window. Letters of every
    script, emoji and spaces stay as they are.
    """
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
