"""The household picker: the type-ahead answers only households of the user's scope
(under ``within`` when given), refuses a malformed ``within`` with a JSON 400, and the
widget's select carries the endpoint and, past ``FALLBACK_LIMIT`` households, only the
chosen one."""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from gongzhi.areas import widgets as area_widgets
from gongzhi.areas.models import Household
from gongzhi.core.testing import sign_in
from gongzhi.residents.widgets import HouseholdPicker

pytestmark = pytest.mark.django_db


def signed_in(user):
    return sign_in(Client(), user)


URL = "/residents/households/pick/"


def answer(client, **query):
    response = client.get(URL, query)
    return response.status_code, response.json()


def test_the_route():
    assert reverse("residents:pick_households") == URL


def test_a_secretary_finds_households_of_their_community_only(world):
    client = signed_in(world.users["secretary"])
    status, found = answer(client, q="101")
    assert status == 200
    assert [r["id"] for r in found["results"]] == [world.ours.households[0].pk]
    assert found["results"][0]["label"] == world.ours.households[0].address
    # The sibling's households are never found, by any text.
    sibling = world.sibling.households[0]
    assert answer(client, q=sibling.code)[1]["results"] == []
    assert answer(client, q=sibling.address)[1]["results"] == []


def test_within_narrows_and_a_place_out_of_scope_finds_nothing(world):
    client = signed_in(world.users["street_admin"])
    both = answer(client, q="101")[1]["results"]
    assert {r["id"] for r in both} == {
        world.ours.households[0].pk,
        world.sibling.households[0].pk,
    }
    ours = answer(client, q="101", within=world.ours.community.pk)[1]["results"]
    assert [r["id"] for r in ours] == [world.ours.households[0].pk]
    secretary = signed_in(world.users["secretary"])
    assert answer(secretary, q="101", within=world.sibling.community.pk) == (200, {"results": []})


@pytest.mark.parametrize("within", ["x", "-1", "9" * 20])
def test_a_malformed_within_is_a_json_400(world, within):
    status, body = answer(signed_in(world.users["secretary"]), q="101", within=within)
    assert status == 400 and body["error"]["code"] == "invalid"


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL, {"q": "101"}).status_code == 302


class Pick(forms.Form):
    household = forms.ModelChoiceField(queryset=Household.objects.none(), required=False)

    def __init__(self, *args, within, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.widget = HouseholdPicker(within=within)
        field.queryset = Household.objects.order_by("path")


def test_the_widget_names_its_endpoint_and_lists_few_households_in_full(world):
    html = str(Pick(within=world.ours.community.pk)["household"])
    assert f'data-area-picker="{URL}?within={world.ours.community.pk}"' in html
    assert html.count("<option") == Household.objects.count() + 1  # and the empty choice


def test_past_the_limit_only_the_chosen_household_is_an_option(world, monkeypatch):
    monkeypatch.setattr(area_widgets, "FALLBACK_LIMIT", 2)
    chosen = world.ours.households[1]
    html = str(Pick({"household": chosen.pk}, within=None)["household"])
    assert html.count("<option") == 2 and f'value="{chosen.pk}" selected' in html
    assert "data-area-picker" in html and "?within" not in html
