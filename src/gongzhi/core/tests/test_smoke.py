from django.urls import reverse


def test_secretary_sees_own_households_only(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.get(reverse("areas:household_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "和顺花园" in body
    assert "邻里花园" not in body
