"""Party filters take what an officer types (issue 14): a party's name, the start of it, an alias or a former name,
resolved to parties in SQL through their name keys; a party's id keeps meaning that party in links and the API;
the form says in words which parties the filter is on."""

from __future__ import annotations

import re

import pytest
from tests.web.conftest import Web
from tests.web.test_list_reads import counting

from endwatch.services.reporting import lists


def _numbers(web: Web, params: dict[str, str], user: str = "officer") -> list[str]:
    r = web.client.get("/api/v1/permits", params={**params, "include_future": "true"}, headers=web.as_(user))
    assert r.status_code == 200, r.text
    return sorted(p["number"] for p in r.json()["items"])


def _filter_on(text: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", "", x).split())
            for x in re.findall(r'data-testid="filter-on">(.*?)</span>', text, flags=re.S)]


def test_a_name_an_alias_a_former_name_or_its_start_filters_as_the_id_does(web: Web) -> None:
    by_id = _numbers(web, {"end_user": "tr-navy"})
    assert by_id == ["PERMIT-REDACTED-1", "PERMIT-REDACTED-2"]
    for typed in ("Turkish Naval Forces", "turkish naval", "Turkish Navy", "TURKISH NAVAL FORCES"):
        assert _numbers(web, {"end_user": typed}) == by_id, typed
    # a former name (L3 Wescam) and an alias (Baykar Technologies), in the other roles
    assert _numbers(web, {"exporter": "L3 Wescam"}) == by_id
    assert _numbers(web, {"consignee": "Baykar Technologies"}) == by_id
    assert _numbers(web, {"consignee": "wescam"}) == []  # the id of a party named elsewhere: none as consignee
    # other lists' party filters too
    r = web.client.get("/api/v1/deliveries", params={"recipient": "Baykar Tech"}, headers=web.as_("officer"))
    assert r.status_code == 200 and r.json()["total"] > 0
    assert r.json()["total"] == web.client.get("/api/v1/deliveries", params={"recipient": "baykar"},
                                               headers=web.as_("officer")).json()["total"]


def test_an_id_means_that_party_only(web: Web) -> None:
    # "baykar" is an id and the start of a name: the id wins, so links keep meaning the party they were made for.
    page = web.sign_in("officer").get("/permits", params={"consignee": "baykar", "include_future": "true"}).text
    assert _filter_on(page) == ["Baykar"]
    assert '<a href="/parties/baykar" title="baykar">Baykar</a>' in page


def test_the_form_says_which_parties_in_words(web: Web) -> None:
    c = web.sign_in("officer")
    one = c.get("/permits", params={"end_user": "turkish naval", "include_future": "true"}).text
    assert _filter_on(one) == ["Turkish Naval Forces"]
    assert 'name="end_user" value="turkish naval"' in one  # the form keeps what was typed
    several = c.get("/permits", params={"end_user": "Turkish", "include_future": "true"}).text
    assert _filter_on(several) == ["2 parties: Turkish Armed Forces, Turkish Naval Forces"]
    none = c.get("/permits", params={"end_user": "Ruritania", "include_future": "true"})
    assert none.status_code == 200
    assert _filter_on(none.text) == ["no party has this id or a name starting with “Ruritania”"]
    assert 'data-testid="list-total">\n  0 permits' in none.text or re.search(r">\s*0 permits", none.text)
    hint = re.search(r'name="exporter" value="" [^>]*placeholder="([^"]+)"', one)
    assert hint and "name" in hint.group(1) and "id" in hint.group(1)


def test_a_text_naming_too_many_parties_is_refused_with_its_place(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists, "PARTY_MATCHES", 1)
    r = web.client.get("/api/v1/permits", params={"end_user": "Turkish"}, headers=web.as_("officer"))
    assert r.status_code == 422
    assert [p["column"] for p in r.json()["problems"]] == ["query.end_user"]
    assert "type more of the name" in r.json()["problems"][0]["message"]
    page = web.sign_in("officer").get("/permits", params={"end_user": "Turkish"})
    assert page.status_code == 422 and "type more of the name" in page.text


def test_an_exporter_filters_by_name_within_its_own_records_and_is_told_no_names(web: Web) -> None:
    assert _numbers(web, {"end_user": "Turkish Naval"}, user="exporter") == ["PERMIT-REDACTED-1",
                                                                           "PERMIT-REDACTED-2"]
    assert _numbers(web, {"end_user": "Turkish Naval"}, user="rival") == []
    page = web.sign_in("exporter").get("/permits", params={"end_user": "Turkish", "include_future": "true"}).text
    assert _filter_on(page) == []  # not told which parties have a name starting with what it typed


def test_a_name_costs_the_list_one_bounded_statement_more(web: Web) -> None:
    h = web.as_("officer")
    url = "/api/v1/permits?include_future=true&end_user="
    web.client.get(url + "tr-navy", headers=h)  # warm: the token lookup and the state version
    with counting(web.ew.engine) as by_id:
        assert web.client.get(url + "tr-navy", headers=h).status_code == 200
    with counting(web.ew.engine) as by_name:
        assert web.client.get(url + "Turkish%20Naval", headers=h).status_code == 200
    assert by_name.statements == by_id.statements + 1, (by_id.statements, by_name.statements)
    assert by_name.rows <= by_id.rows + lists.PARTY_MATCHES, (by_id.rows, by_name.rows)
