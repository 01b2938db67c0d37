from .models import OptOut


def forget(user) -> None:
    """On account deletion: email preferences go (deliveries keep only the address
    they were sent to, for the group's history)."""
    OptOut.objects.filter(user=user).delete()
