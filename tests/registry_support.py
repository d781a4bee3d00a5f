"""What the registry's tests share: the viewers, their API keys, an in-memory
authenticator (the directory projection is another service's work; this is its test
twin), and each store opened empty."""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from hypothesis import strategies as st

from services.registry.app import create_app
from services.registry.store.elasticsearch import ElasticsearchStore
from services.registry.store.embedded import EmbeddedStore
from services.registry.store.interfaces import IncidentStore
from shared.access import ANONYMOUS, COORDINATOR, REPORTER, RISK_OWNER, Viewer
from shared.bus.interfaces import Bus
from shared.clock import SYSTEM_CLOCK, Clock
from shared.settings import Settings

LAB_A, LAB_B, SECRETARIAT, LAB_C, REGULATOR = (
    "org-lab-a",
    "org-lab-b",
    "org-sec",
    "org-lab-c",
    "org-reg",
)

VIEWERS: dict[str, Viewer] = {
    "anonymous": ANONYMOUS,
    "lab A reporter": Viewer(
        person_id="p-a", organization_id=LAB_A, member=True, roles=frozenset({REPORTER})
    ),
    "lab B reporter": Viewer(
        person_id="p-b", organization_id=LAB_B, member=True, roles=frozenset({REPORTER})
    ),
    "non-member org": Viewer(
        person_id="p-reg", organization_id=REGULATOR, member=False, roles=frozenset({REPORTER})
    ),
    "risk owner": Viewer(
        person_id="p-risk",
        organization_id=SECRETARIAT,
        member=True,
        roles=frozenset({RISK_OWNER}),
        name="Rita Owner",
    ),
    "coordinator": Viewer(
        person_id="p-coord",
        organization_id=SECRETARIAT,
        member=True,
        roles=frozenset({COORDINATOR}),
    ),
    "RED recipient": Viewer(
        person_id="p-red", organization_id=LAB_C, member=True, roles=frozenset({REPORTER})
    ),
}
KEYS = {
    f"key-{name.replace(' ', '-').lower()}": v for name, v in VIEWERS.items() if name != "anonymous"
}
KEY_OF = {name: key for key, viewer in KEYS.items() for name, v in VIEWERS.items() if v is viewer}


class DictAuthenticator:
    def __init__(self, keys: dict[str, Viewer]) -> None:
        self._keys = keys

    def viewer_for_key(self, key: str) -> Viewer | None:
        return self._keys.get(key)

    def ready(self) -> None:
        """A fixed set of keys is always current."""


def headers(viewer_name: str) -> dict[str, str]:
    """The Authorization header of a test viewer (none for the anonymous one)."""
    key = KEY_OF.get(viewer_name)
    return {"Authorization": f"Bearer {key}"} if key else {}


STORES = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


def open_store(kind: str, request: pytest.FixtureRequest, tmp_path) -> IncidentStore:
    """A new, empty store of ``kind`` (embedded or elasticsearch), set up."""
    if kind == "embedded":
        opened: IncidentStore = EmbeddedStore(tmp_path / f"registry-{uuid.uuid4().hex[:8]}.sqlite3")
    else:
        noida = request.getfixturevalue("noida")
        opened = ElasticsearchStore.from_url(
            noida.elasticsearch_url, prefix=f"test-{uuid.uuid4().hex[:12]}"
        )
    opened.ensure()
    return opened


# Typed queries, from pieces that meet the grammar's edges: quotes, groups, minus, OR,
# prefixes, fields with good and bad values, CJK and accented letters.
QUERY_TEXT = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            "leak",
            " ",
            "  ",
            "é",
            "模型",
            "泄",
            "(",
            ")",
            '"',
            "-",
            "*",
            ":",
            "OR",
            " OR ",
            "severity:",
            "critical",
            "since:",
            "2020",
            "-01",
            "tlp:",
            "AMBER",
            "source:",
            "aiid:4",
            "has:",
            "contact",
            "domain:",
            "7.1",
            "\\",
            "!",
        ]
    ),
    max_size=14,
).map("".join)


def app_client(
    tmp_path, bus: Bus, store: IncidentStore, *, clock: Clock = SYSTEM_CLOCK
) -> FlaskClient:
    """The registry app on ``store``, knowing the test viewers' keys; it publishes its
    decisions under the bus fixture's topic prefix, "test"."""
    app = create_app(
        Settings(data_dir=tmp_path, topic_prefix="test"),
        bus=bus,
        store=store,
        authenticator=DictAuthenticator(KEYS),
        clock=clock,
    )
    return app.test_client()
