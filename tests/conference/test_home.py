from tests.factories import chair_token


def test_officer_home_leads_to_every_task_of_the_conference(client, demo, officer):
    client.post("/login", data={"email": officer.email, "password": "mat-khau-123"})
    page = client.get("/").get_data(as_text=True)
    for path in (
        "/conferences/namdinh-2022/points",
        "/conferences/namdinh-2022/return",
        "/conferences/namdinh-2022/board",
        "/conferences/namdinh-2022/links",
        "/conferences/namdinh-2022/schedule",
        "/conferences/namdinh-2022/rehearsal",
        "/conferences/namdinh-2022/acknowledgements",
        "/outbox",
    ):
        assert f'href="{path}"' in page
        assert client.get(path).status_code == 200, path


def test_a_chair_who_opened_her_link_goes_back_to_her_district_from_home(client, demo):
    token = chair_token(demo, "358")
    client.get(f"/c/{token}")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/conferences/namdinh-2022/registration")


def test_anonymous_home_offers_the_login(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/login"' in page and "/conferences/" not in page
