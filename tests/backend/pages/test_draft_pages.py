import pytest
from django.test import Client

from backend.drafts.services import draft_create
from tests.factories import TeamFactory, TournamentFactory, UserFactory

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def draft(staff):
    tournament = TournamentFactory(name="Live Cup")
    TeamFactory(tournament=tournament, draft_order=1)
    TeamFactory(tournament=tournament, draft_order=2)
    tournament.players.add(*UserFactory.create_batch(3), UserFactory(nickname=EVIL))
    return draft_create(actor=staff, tournament=tournament, style="snake")


@pytest.mark.django_db
def test_home_shows_a_draft_in_progress_as_live_with_a_link_to_its_board(draft):
    html = Client().get("/").content.decode()

    live = html.split('data-testid="live-drafts"')[1].split("</ul>")[0]
    assert f'href="/drafts/{draft.pk}/"' in live
    assert "Draft of Live Cup" in live
    assert 'data-testid="nothing-live"' not in html


@pytest.mark.django_db
def test_tournament_page_links_to_its_draft_board(draft):
    html = Client().get(f"/tournaments/{draft.tournament_id}/").content.decode()

    assert f'href="/drafts/{draft.pk}/" data-testid="draft-link"' in html


@pytest.mark.django_db
def test_draft_board_embeds_the_snapshot_as_data_never_as_markup(draft):
    response = Client().get(f"/drafts/{draft.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<script id="draft-snapshot" type="application/json">' in html
    assert EVIL not in html
    assert "\\u003Cscript\\u003Ealert(1)" in html


@pytest.mark.django_db
def test_draft_board_tells_staff_and_captains_apart(draft, staff):
    client = Client()
    client.force_login(staff)
    assert '"can_manage": true' in client.get(f"/drafts/{draft.pk}/").content.decode()
    captain = draft.tournament.teams.first().captain
    client.force_login(captain)
    html = client.get(f"/drafts/{draft.pk}/").content.decode()
    assert f'"id": {captain.pk}, "can_manage": false' in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/drafts/999999/", "/drafts/" + "9" * 30 + "/", "/tournaments/" + "9" * 30 + "/"])
def test_missing_or_absurd_ids_are_404(path):
    assert Client().get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("players", [4, 40])
def test_draft_board_query_count_does_not_grow_with_the_draft(staff, players, django_assert_max_num_queries):
    tournament = TournamentFactory()
    TeamFactory(tournament=tournament, draft_order=1)
    TeamFactory(tournament=tournament, draft_order=2)
    tournament.players.add(*UserFactory.create_batch(players))
    draft = draft_create(actor=staff, tournament=tournament, style="snake")
    client = Client()
    client.force_login(staff)

    with django_assert_max_num_queries(14):
        assert client.get(f"/drafts/{draft.pk}/").status_code == 200
