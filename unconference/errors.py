class UnconferenceError(Exception):
    """An action that cannot be done; the message is shown to the person."""
