"""Text for terminals: what commands print of what people typed."""


def printable(text: str) -> str:
    """`text` with every non-printable character as a Python escape (\\x1b, \\u202e).

    Names and titles come from forms and older rows alike; printed raw, an
    escape sequence in one would reach the terminal of whoever runs the command
    and could clear it, recolour it or retitle the window. Letters of every
    script, emoji and spaces stay as they are.
    """
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def initials(name: str) -> str:
    """Up to two letters for an avatar: of the first and last word of `name`.

    "Ada Lovelace" -> "AL", "grace" -> "G"; scripts without case (李小龍) give
    their first character. Empty or letterless names give "?".
    """
    words = ["".join(ch for ch in word if ch.isalnum()) for word in name.split()]
    words = [word for word in words if word]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()
