"""The UI speaks Simplified Chinese unless the user picks English with the switcher."""

from django.urls import reverse


def test_chinese_whatever_the_browser_asks(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    assert "登录" in page.content.decode()


def test_the_switcher_chooses_english_and_back(client):
    chosen = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert chosen.status_code == 302
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "en"
    assert "Sign in" in page.content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"


def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies["django_language"] = "fr"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"
