"""The demo collaboration: seeded once, one working key and password per role."""

from __future__ import annotations

import re
import stat

from shared.bus.embedded import EmbeddedBus
from shared.directory import credentials, demo
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings

VARIABLES = ("LAB_A", "LAB_B", "RISK_OWNER", "COORDINATOR", "ONCALL", "ADMIN")


def loaded(settings: Settings) -> DirectoryProjection:
    bus = EmbeddedBus(settings.data_dir / "bus.sqlite3")
    try:
        projection = DirectoryProjection()
        projection.load(bus, settings.topic_prefix)
    finally:
        bus.close()
    return projection


def test_every_role_gets_a_key_and_a_password_once(tmp_path):
    settings = Settings(data_dir=tmp_path)

    lines = demo.seed(settings)

    exports = dict(re.findall(r"^export (ACCORD_KEY\w*)=(\S+)$", "\n".join(lines), re.M))
    assert set(exports) == {"ACCORD_KEY", *(f"ACCORD_KEY_{v}" for v in VARIABLES)}
    assert exports["ACCORD_KEY"] == exports["ACCORD_KEY_LAB_A"]
    projection = loaded(settings)
    authenticator = DirectoryAuthenticator(projection)
    viewers = {v: authenticator.viewer_for_key(exports[f"ACCORD_KEY_{v}"]) for v in VARIABLES}
    assert {v: sorted(viewer.roles) for v, viewer in viewers.items()} == {
        "LAB_A": ["reporter"],
        "LAB_B": ["reporter"],
        "RISK_OWNER": ["risk_owner"],
        "COORDINATOR": ["coordinator"],
        "ONCALL": ["oncall"],
        "ADMIN": ["admin"],
    }
    assert viewers["LAB_A"].organization_id != viewers["LAB_B"].organization_id
    sign_ins = re.findall(r"^  (\S+@\S+)\s+(\S+)  \(", "\n".join(lines), re.M)
    assert len(sign_ins) == len(VARIABLES)
    for email, password in sign_ins:
        person = projection.read(lambda d, e=email: d.person_by_email(e))
        assert credentials.password_matches(person.password_hash, password), email

    assert demo.seed(settings) == lines  # a later start prints the same, seeds nothing
    assert len(loaded(settings).read(lambda d: d.people)) == len(VARIABLES)
    assert stat.S_IMODE((tmp_path / demo.FILE).stat().st_mode) == 0o600
