"""A lab member's key revoked, and their password reset, while they are mid-session: their
clients keep calling all three services with the key, and they are signed in to intake's
pages. After the revocation nothing of theirs works anywhere: once a service has refused
the key, no request it starts later is let through, and the old web session is over.
Every report the key filed before is in the registry exactly once. Embedded profile: how
a revocation travels on Kafka is tests/e2e/test_directory.py's."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
import requests
from e2e.helpers import accord, report
from html_page import Page
from resilience.support import Clients, assert_each_registered_once, deployed
from waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.resilience, pytest.mark.timeout(240)]

EMAIL = "ana@test-lab.example"


def set_password(intake: str, link: str, password: str) -> None:
    """Through the one-time link ``accord person password-link`` printed, as its holder."""
    url = f"{intake}/set-password/{link.rsplit('/', 1)[1]}"
    with requests.Session() as browser:
        form = Page(browser.get(url, timeout=10).text)
        fields = {"csrf_token": form.find("input", name="csrf_token")[0]["value"],
                  "password": password, "confirm": password}  # fmt: skip
        answer = browser.post(url, data=fields, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, answer.text


def signed_in(intake: str, password: str) -> requests.Session:
    browser = requests.Session()
    form = Page(browser.get(f"{intake}/sign-in", timeout=10).text)
    fields = {"csrf_token": form.find("input", name="csrf_token")[0]["value"],
              "email": EMAIL, "password": password}  # fmt: skip
    answer = browser.post(f"{intake}/sign-in", data=fields, allow_redirects=False, timeout=30)
    assert answer.status_code == 303, answer.text
    return browser


class Holder(Clients):
    """The key's holder calling every service from a thread each (intake: filing reports;
    the others: whoami), each call numbered when it starts and when it ends."""

    def __init__(self, urls: dict[str, str], key: str) -> None:
        super().__init__(len(urls))
        self._urls, self._auth = urls, {"Authorization": f"Bearer {key}"}
        self._services = list(urls)
        self._clock = itertools.count()  # next() is atomic under the GIL
        self.calls: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # start, end, status
        self.filed: list[str] = []

    def call(self, session: requests.Session, client: int) -> None:
        service = self._services[client]
        start = next(self._clock)
        if service == "intake":
            body = report("Filed mid-session")
            answer = session.post(
                f"{self._urls[service]}/v1/reports", json=body, headers=self._auth, timeout=30
            )
            if answer.status_code == 202:
                self.filed.append(answer.json()["id"])
        else:
            answer = session.get(f"{self._urls[service]}/v1/whoami", headers=self._auth, timeout=30)
        self.calls[service].append((start, next(self._clock), answer.status_code))

    def refused_by_all(self, times: int) -> bool:
        return all(
            sum(1 for *_, status in self.calls[s] if status == 401) >= times for s in self._urls
        )


def test_after_revocation_nothing_of_the_holders_works_in_any_service(tmp_path, httpserver):
    with deployed(tmp_path, httpserver, ACCORD_INTAKE_RATE_LIMIT="100000/minute") as d:
        intake = d.urls["intake"]
        accord(d.env, "person", "add", "--name", "Ana Lab", "--email", EMAIL, "--org",
               "Test Lab", "--role", "reporter")  # fmt: skip
        key = accord(d.env, "key", "create", EMAIL)
        set_password(intake, accord(d.env, "person", "password-link", EMAIL), "first secret 1")
        wait_until(lambda: requests.get(f"{intake}/v1/whoami", timeout=5,
                                        headers={"Authorization": f"Bearer {key}"}).ok,
                   "the key in intake", 30)  # fmt: skip
        browser = signed_in(intake, "first secret 1")
        assert (
            browser.get(f"{intake}/reports", allow_redirects=False, timeout=10).status_code == 200
        )

        with Holder(d.urls, key) as holder:
            wait_until(lambda: len(holder.filed) >= 10, "reports filed", 60)
            # The lab's admin revokes the key and resets the password.
            accord(d.env, "key", "revoke", key.split("_")[1])
            link = accord(d.env, "person", "password-link", EMAIL)
            set_password(intake, link, "second secret 2")
            wait_until(lambda: holder.refused_by_all(20), "every service refusing the key", 60)

        for service, calls in holder.calls.items():
            refused_at = min(end for _, end, status in calls if status == 401)
            later = [status for start, _, status in calls if start > refused_at]
            assert set(later) == {401}, f"{service} let the revoked key through: {later}"
            assert {status for *_, status in calls} <= {200, 202, 401}
        assert (
            browser.get(f"{intake}/reports", allow_redirects=False, timeout=10).status_code == 303
        )
        assert_each_registered_once(d.urls["registry"], d.key, holder.filed)
