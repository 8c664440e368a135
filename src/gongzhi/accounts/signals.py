"""Sign-in events go to the audit log (declared hooks, no state changes)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from gongzhi.core import audit


def attempted_account(username: str):
    """The account a failed or refused sign-in named, if it exists, for the audit record
    only (its user, role and area make the record visible to that area's auditor)."""
    from .models import User

    return User.objects.filter(username=username).first() if username else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.log("accounts.signin.succeeded", actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.log("accounts.signout", actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # refused by the lockout: the lockout page writes that record
    # The typed account name is kept for investigation; the page never says whether it exists.
    username = str(credentials.get("username", ""))[:150]
    audit.log(
        "accounts.signin.failed",
        actor=attempted_account(username),
        result=audit.FAILURE,
        username=username,
    )
