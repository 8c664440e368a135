"""Sign-in events go to the audit log (declared hooks, no state changes)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from gongzhi.core import audit


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.log("accounts.signin.succeeded", actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.log("accounts.signout", actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The typed account name is kept for investigation; the page never says whether it exists.
    audit.log(
        "accounts.signin.failed",
        result=audit.FAILURE,
        username=str(credentials.get("username", ""))[:150],
    )
