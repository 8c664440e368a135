from django.urls import reverse


def test_secretary_sees_own_households_only(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.get(reverse("areas:household_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "和顺花园" in body
    assert "邻里花园" not in body


def test_django_admin_is_not_installed_or_reachable(world, client_as):
    """ADR 0005: no web interface outside the services and the audit log."""
    from django.apps import apps

    assert not apps.is_installed("django.contrib.admin")
    root = world.users["superuser"]
    client = client_as(root)
    for url in ("/sysadmin/", "/sysadmin/otp_totp/totpdevice/", "/admin/"):
        assert client.get(url).status_code == 404, url


def test_favicon_ico_answers_without_sign_in(client, db):
    """Issue 13, defect 15: browsers ask for /favicon.ico whatever the page links; it
    leads to the static icon instead of a 404."""
    from django.templatetags.static import static

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("gongzhi/favicon.svg")
    assert client.get(response["Location"]).status_code == 200
