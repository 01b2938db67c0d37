def forget(user) -> None:
    """On account deletion: partners of upcoming meetings are told it is off."""
    from .services import pairings_forget_future

    pairings_forget_future(user=user)
