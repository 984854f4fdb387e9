"""Plain words and links: pages name parties by name (the id in the link and its tooltip), statuses read as
words, every record a page names links to it, the glossary explains the codes, and the new-application form
starts empty with the destination chosen by country name."""

from __future__ import annotations

import re

from tests.web.conftest import Web
from tests.web.test_cases import submit_sighting

from endwatch.web.words import plain


def test_codes_read_as_words() -> None:
    assert plain("on_hold") == "on hold"
    assert plain("presumption_of_denial") == "presumption of denial"
    assert plain("one_edit") == "one character different"
    assert plain("in_force") == "in force"
    assert plain(None) == ""


def test_permit_page_names_parties_and_links_them(web: Web) -> None:
    page = web.sign_in("officer").get("/permits/PERMIT-REDACTED-1")
    assert page.status_code == 200
    assert '<a href="/parties/wescam" title="wescam">L3Harris Wescam</a>' in page.text
    assert '<a href="/parties/baykar" title="baykar">Baykar</a>' in page.text
    assert '<a href="/parties/tr-navy" title="tr-navy">Turkish Naval Forces</a>' in page.text
    assert '<a href="/applications/APP-REDACTED-1" title="APP-REDACTED-1">APP-REDACTED-1</a>' in page.text
    assert "issued: issued" not in page.text


def test_lists_name_parties_and_say_statuses_in_words(web: Web) -> None:
    c = web.sign_in("officer")
    permits = c.get("/permits").text
    assert ">L3Harris Wescam</a>" in permits and ">wescam</td>" not in permits
    applications = c.get("/applications").text
    assert ">Azerbaijani Air Force</a>" in applications
    assert ">on_hold<" not in applications and ">received<" in applications


def test_exporter_sees_names_without_links_it_may_not_follow(web: Web) -> None:
    page = web.sign_in("exporter").get("/permits/PERMIT-REDACTED-1")
    assert page.status_code == 200
    # An exporter may not open party pages: the names are shown, the links are not offered.
    assert '<span title="wescam">L3Harris Wescam</span>' in page.text and 'href="/parties/' not in page.text
    inquiries = web.client.get("/inquiries")
    assert inquiries.status_code == 200 and "Inquiries to L3Harris Wescam" in inquiries.text


def test_case_page_links_every_record_it_names(web: Web) -> None:
    case_id = submit_sighting(web)
    # The investigator may not read applications: they are named, not linked.
    assert '<span title="APP-REDACTED-3">APP-REDACTED-3</span>' in web.client.get(f"/cases/{case_id}").text
    page = web.sign_in("officer").get(f"/cases/{case_id}").text
    assert re.search(r'<a href="/permits/PERMIT-REDACTED-1" title="PERMIT-REDACTED-1">', page)
    assert re.search(r'<a href="/applications/APP-REDACTED-\d" title="APP-REDACTED-\d">', page)
    assert re.search(r'<a href="/sightings/[^"]+" title="[^"]+">', page), "the finding links its sighting"
    assert 'title="baykar">Baykar</a>' in page
    assert "suspend permit" in page and "suspend_permit" not in page


def test_party_graph_nodes_are_links_and_arrows_stop_short_of_nodes(web: Web) -> None:
    page = web.sign_in("officer").get("/parties/baykar").text
    nodes = re.findall(r'<a href="/parties/([^"]+)" data-testid="graph-node">', page)
    assert "wescam" in nodes and "tr-navy" in nodes
    circles = [(float(x), float(y), float(r))
               for x, y, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', page)]
    ends = [(float(x), float(y)) for x, y in re.findall(r'x2="([\d.]+)" y2="([\d.]+)"', page)]
    assert ends and circles
    for ex, ey in ends:  # every arrowhead (at the line's end) sits outside every node's circle
        assert all((ex - cx) ** 2 + (ey - cy) ** 2 > r ** 2 for cx, cy, r in circles), (ex, ey)


def test_glossary_is_public_and_linked_from_every_page(web: Web) -> None:
    web.client.cookies.clear()
    page = web.client.get("/glossary")
    assert page.status_code == 200
    for heading in ("Admiralty grades", "Match tiers", "Verdicts", "Confidence", "Permit states",
                    "Destination measures"):
        assert heading in page.text
    assert "usually reliable" in page.text and "probably true" in page.text
    assert "presumption of denial" in page.text
    assert 'href="/glossary"' in web.client.get("/transparency").text


def test_new_application_form_starts_empty_with_countries_by_name(web: Web) -> None:
    page = web.sign_in("officer").get("/applications/new").text
    assert " selected" not in page
    for name in ("exporter_id", "consignee_id", "end_user_id", "destination", "product_id"):
        first = re.search(rf'<select name="{name}" required><option value="">', page)
        assert first, f"{name} starts on an empty choice"
    assert '<option value="TR">Türkiye</option>' in page or '<option value="TR">Turkey</option>' in page


LIST_PAGES = ("/permits", "/applications", "/parties", "/deliveries", "/sightings", "/findings", "/cases",
              "/inquiries", "/outbox")


def _filter_form(text: str) -> str:
    return text.split('data-testid="list-filters"')[1].split("</form>")[0]


def test_every_list_filter_has_a_label_and_choices_in_words(web: Web) -> None:
    # People read words; the query parameters keep their names (links, bookmarks and the API use them).
    c = web.sign_in("admin")
    for path in LIST_PAGES:
        page = c.get(path)
        assert page.status_code == 200, path
        form = _filter_form(page.text)
        labels = [" ".join(re.sub(r"<[^>]+>", " ", x).split())
                  for x in re.findall(r"<label>(.*?)(?:<select|</label>)", form, flags=re.S)]
        assert labels, path
        options = re.findall(r"<option [^>]*>([^<]*)</option>", form)
        for text in labels:  # "End user", not end_user: capitalised words (a parameter name is neither)
            assert "_" not in text and (text[0].isupper() or text == "to"), (path, text)
        for text in options:  # "on hold", "A: completely reliable": no code alone
            assert text and "_" not in text and not re.fullmatch(r"[A-F1-6]", text), (path, text)
        assert 'name="' in form  # the parameters themselves are unchanged
    permits = _filter_form(c.get("/permits").text)
    assert "End user" in permits and "Control-list entry" in permits and 'name="end_user"' in permits
    assert 'name="category"' in permits and ">in force</option>" in permits and ">not yet issued</option>" in permits
    assert ">on hold</option>" in _filter_form(c.get("/applications").text)
    sightings = _filter_form(c.get("/sightings").text)
    assert ">A: completely reliable</option>" in sightings and ">6: truth cannot be judged</option>" in sightings
    assert "Source reliability" in sightings and "Credibility of the information" in sightings
    findings = _filter_form(c.get("/findings").text)
    assert ">one character different</option>" in findings and ">look-alike characters</option>" in findings
    assert ">government agency</option>" in _filter_form(c.get("/parties").text)
    assert 'placeholder="two-letter code, e.g. TR"' in permits
