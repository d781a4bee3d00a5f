"""The registry's pages through the real app: signing in, search with facet links and
cursor pages, one incident, the dashboards, the four languages, and every bad input as a
page that says what to do."""

from __future__ import annotations

import re

import pytest
from html_page import Page
from registry_pages import INCIDENTS, RISK_OWNER_EMAIL, SCRIPT, csrf_token, key_client, sign_in


def ids(html: str) -> list[str]:
    return re.findall(r'<li class="result" id="result-([0-9A-Z]+)"', html)


def total(html: str) -> int:
    return int(Page(html).by_id("total")["data-total"])


def test_a_reader_who_has_not_signed_in_is_sent_to_sign_in_and_back(app):
    browser = app.test_client()
    response = browser.get("/incidents?q=leak")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?next=/incidents?q%3Dleak"

    signed = sign_in(browser, RISK_OWNER_EMAIL, next_path="/incidents?q=leak")
    assert signed.headers["Location"] == "/incidents?q=leak"
    page = browser.get("/incidents?q=leak")
    assert page.status_code == 200
    assert "Signed in as Rosa (Secretariat)" in page.text
    assert ids(page.text) == [INCIDENTS[1]["id"]]


def test_the_home_page_offers_signing_in_or_searching(app, risk_owner):
    anonymous = app.test_client().get("/")
    assert anonymous.status_code == 200
    assert Page(anonymous.text).by_id("sign-in")["href"] == "/sign-in?next=/?lang%3Den"
    member = risk_owner.get("/")
    assert Page(member.text).find("form", role="search")


def test_search_lists_what_the_viewer_may_read_with_its_facets(risk_owner, lab_b):
    everything = risk_owner.get("/incidents?sort=received&order=asc&limit=200")
    assert ids(everything.text) == [i["id"] for i in INCIDENTS]  # AMBER: a risk owner reads it
    assert total(everything.text) == 8
    only_shared = lab_b.get("/incidents?limit=200")
    assert INCIDENTS[2]["id"] not in ids(only_shared.text)  # AMBER of another lab
    assert total(only_shared.text) == 7
    assert 'data-value="AMBER"' not in only_shared.text  # nor in the facets


def test_a_facet_link_narrows_the_search_and_says_it_is_applied(risk_owner):
    page = Page(risk_owner.get("/incidents?q=chatbot OR leak").text)
    [link] = [a for a in page.find("a") if a.get("title") == "Add severity:high to the search"]
    narrowed = risk_owner.get(link["href"])
    assert "q=(chatbot+OR+leak)+severity:high" in link["href"]
    assert ids(narrowed.text) == [INCIDENTS[1]["id"]]
    assert '<strong aria-current="true">High (1)</strong>' in narrowed.text


def test_pages_of_results_follow_the_cursor_to_the_end(risk_owner):
    seen, url = [], "/incidents?sort=received&order=desc&limit=3"
    while url:
        page = risk_owner.get(url)
        assert page.status_code == 200
        seen += ids(page.text)
        nxt = Page(page.text).find("a", rel="next")
        url = nxt[0]["href"] if nxt else None
        if len(seen) > 3:
            assert (
                Page(page.text).by_id("first-page")["href"].startswith("/incidents?sort=received")
            )
    assert seen == [i["id"] for i in reversed(INCIDENTS)]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ('severity:"unclosed', 400, "The query cannot be read at character 10"),
        ("q=x&cursor=not-a-cursor", 400, "This page link no longer fits the search"),
        ("q=x&limit=0", 422, "The search could not be read: limit: Must be greater than"),
        ("q=x&colour=red", 422, "colour: Unknown field."),
    ],
)
def test_a_bad_search_is_a_page_that_says_what_is_wrong(risk_owner, query, status, message):
    path = "/incidents?" + (query if "=" in query else f"q={query}")
    response = risk_owner.get(path)
    assert response.status_code == status
    page = Page(response.text)
    assert message in "".join(page.text)
    assert page.by_id("q")["value"] == ("x" if "=" in query else query)  # kept to correct
    if status == 400 and "unclosed" in query:
        assert page.by_id("q")["aria-invalid"] == "true"


def test_an_incident_page_shows_what_the_viewer_may_see(risk_owner, lab_b):
    amber = INCIDENTS[2]["id"]
    page = risk_owner.get(f"/incidents/{amber}")
    assert page.status_code == 200
    assert Page(page.text).by_id("incident-title") is not None
    assert "Safety desk" in page.text  # contact: a risk owner sees it
    assert lab_b.get(f"/incidents/{amber}").status_code == 404  # as missing as a missing one
    missing = lab_b.get("/incidents/01JD9999999999999999999999")
    assert missing.status_code == 404
    assert "There is no incident with this reference that you may read." in missing.text
    green = lab_b.get(f"/incidents/{INCIDENTS[1]['id']}")
    assert green.status_code == 200
    assert "Safety desk" not in green.text  # another lab's contact
    assert SCRIPT not in green.text
    assert "Leak &lt;script&gt;alert(1)&lt;/script&gt; of weights" in green.text


def test_the_pages_speak_the_readers_language(risk_owner):
    french = risk_owner.get("/incidents?lang=fr")
    assert '<html lang="fr"' in french.text
    assert "Incidents trouvés : 8" in french.text
    chinese = risk_owner.get("/dashboard", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-Hans"' in chinese.text
    assert "按严重程度划分的事件数量随时间变化" in chinese.text
    assert "Accept-Language" in chinese.headers["Vary"]
    links = Page(french.text).find("a", hreflang="es")
    assert links[0]["href"] == "/incidents?lang=es"


def test_the_dashboard_counts_by_month_severity_and_domain(risk_owner):
    response = risk_owner.get("/dashboard")
    assert response.status_code == 200
    page = Page(response.text)
    assert page.by_id("total")["data-total"] == "8"
    # Less than three years, from 2024-03 to 2026-11 (the golden report's occurred_at):
    # one bar a month, the empty months included.
    assert 'aria-labelledby="by-severity-title by-severity-desc"' in response.text
    tips = (
        "2024-03: Critical 1", "2025-01: High 1", "2025-06: Not rated 1", "2026-11: Medium 5",
        "2025-06: No harm domain 1", "2024-03: AI system safety",
    )  # fmt: skip
    for tip in tips:
        assert tip in response.text, tip
    rows = re.findall(r'<tr><th scope="row">([0-9-]+)</th>', response.text)
    assert rows[:33] == rows[33:]  # the same periods in both tables
    assert rows[0] == "2024-03" and rows[32] == "2026-11" and len(rows) == 66
    text = "".join(page.text)
    assert "one bar per Month, from 2024-03 to 2026-11; the highest bar counts 5." in text
    assert "An incident in several harm domains counts once in each." in text


def test_the_dashboard_charts_a_search_and_refuses_a_bad_one(risk_owner):
    narrowed = risk_owner.get("/dashboard?q=severity:critical")
    assert Page(narrowed.text).by_id("total")["data-total"] == "1"
    bad = risk_owner.get('/dashboard?q=severity:"unclosed')
    assert bad.status_code == 400
    assert "The query cannot be read at character 10" in bad.text


def test_the_public_dashboard_counts_clear_incidents_only_for_anyone(app, risk_owner):
    anonymous = app.test_client().get("/public/dashboard")
    assert anonymous.status_code == 200
    assert Page(anonymous.text).by_id("total")["data-total"] == "1"
    signed_in = risk_owner.get("/public/dashboard")  # the same figures, whoever asks
    assert Page(signed_in.text).by_id("total")["data-total"] == "1"


def test_an_empty_registry_has_empty_charts(fresh_app):
    response = key_client(fresh_app.app, fresh_app.identities).get("/dashboard")
    assert response.status_code == 200
    # Over time by severity, by domain, time to triage, to resolve, and the risks by level.
    assert response.text.count("Nothing to chart.") == 5


def test_every_page_has_the_headers_and_no_script(app, risk_owner):
    for path in ("/", "/incidents", f"/incidents/{INCIDENTS[0]['id']}", "/dashboard",
                 "/public/dashboard", "/incidents/missing", "/duplicates"):  # fmt: skip
        response = risk_owner.get(path)
        assert "default-src 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "<script" not in response.text, path
        assert " style=" not in response.text, path  # the policy would refuse it


def test_a_store_that_is_away_is_a_503_page(fresh_app):
    fresh_app.store.close()
    response = key_client(fresh_app.app, fresh_app.identities).get("/incidents")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "The registry is unavailable" in response.text


def test_signing_out_ends_the_pages(app):
    browser = app.test_client()
    sign_in(browser, RISK_OWNER_EMAIL)
    assert browser.get("/incidents").status_code == 200
    token = csrf_token(browser, "/incidents")
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert browser.get("/incidents").status_code == 303


def test_the_duplicates_queue_pairs_a_later_incident_with_the_earlier_it_repeats(risk_owner):
    response = risk_owner.get("/duplicates")
    assert response.status_code == 200
    page = Page(response.text)
    # The five chatbot incidents tell the same event: each later one lists earlier ones.
    queued = [item["id"].removeprefix("queue-") for item in page.find("li", **{"class": "result"})]
    chatbots = [i["id"] for i in INCIDENTS[3:]]
    assert queued[0] == chatbots[-1] and set(queued) <= set(chatbots[1:])
    suggested = {s["data-id"] for s in page.find("li", **{"class": "suggestion"})}
    assert suggested <= set(chatbots[:-1])
    assert "% alike" in response.text and page.find("ul", lang="en")  # the matcher's reasons


def test_the_duplicates_queue_is_for_risk_owners_and_says_bad_arguments(risk_owner, lab_b):
    refused = lab_b.get("/duplicates")
    assert refused.status_code == 403
    assert "This is for risk owners and coordinators" in refused.text
    bad = risk_owner.get("/duplicates?recent=0&min_score=2")
    assert bad.status_code == 422
    text = "".join(Page(bad.text).text)
    assert "recent: Must be greater than or equal to 1" in text and "min_score:" in text
    assert Page(bad.text).by_id("recent")["value"] == "0"  # kept to correct
