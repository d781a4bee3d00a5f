"""``accord import``: a dump folder into the intake outbox, by the bulk endpoint's path."""

from __future__ import annotations

import pytest

from services.cli import main
from services.intake.outbox import Outbox, outbox_path
from shared.envelope import decode
from shared.settings import Settings

INCIDENTS = (
    "_id,incident_id,date,reports,Alleged deployer of AI system,Alleged developer of AI system,"
    "Alleged harmed or nearly harmed parties,description,title\n"
    'x,4,2018-03-18,[1],"[""uber""]","[""uber""]","[""pedestrians""]",Struck.,Uber AV\n'
    "x,5,,[2],[],[],[],No date.,Undated\n"
)
MIT = (
    "Namespace,Incident ID,Published,Risk Domain,Risk Subdomain,Entity,Timing,Intent\n"
    'MIT,4,True,"7. AI system safety, failures, and limitations",'
    "7.3. Lack of capability or robustness,AI,Post-deployment,Unintentional\n"
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def accord(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out.strip()


@pytest.fixture
def reporter_key(data_dir, capsys) -> str:
    """A reporter's key, made with the directory's own commands."""
    accord(capsys, "org", "add", "Import Lab")
    account = accord(capsys, "account", "add", "--name", "Importer", "--org", "Import Lab",
                     "--role", "reporter")  # fmt: skip
    return accord(capsys, "key", "create", account)


@pytest.fixture
def dump(tmp_path):
    folder = tmp_path / "aiid"
    folder.mkdir()
    (folder / "incidents.csv").write_text(INCIDENTS)
    (folder / "classifications_MIT.csv").write_text(MIT)
    return folder


def stored(data_dir) -> list[dict]:
    outbox = Outbox(outbox_path(Settings(data_dir=data_dir)))
    try:
        return [decode(envelope).payload["report"] for _, envelope in outbox.unpublished(100)]
    finally:
        outbox.close()


def test_import_aiid_puts_the_reports_in_the_outbox_with_their_classifications(
    data_dir, dump, reporter_key, capsys
):
    assert main(["import", "aiid", str(dump), "--key", reporter_key]) == 0

    (report,) = stored(data_dir)
    assert report["source"]["id"] == "4"
    assert report["harm_subdomains"] == ["7.3"]
    assert report["verified"] is True
    assert report["organization_id"]  # the key's organization, by id
    out = capsys.readouterr().out
    assert "classifications_MIT.csv into" in out
    assert "2 rows: 1 accepted (1 flagged), 1 rejected" in out
    assert "row 3 (aiid:5): /occurred_at: Missing data for required field." in out


def test_a_second_import_adds_nothing(data_dir, dump, reporter_key):
    main(["import", "aiid", str(dump / "incidents.csv"), "--key", reporter_key])
    main(["import", "aiid", str(dump / "incidents.csv"), "--key", reporter_key])

    assert [r["source"]["id"] for r in stored(data_dir)] == ["4"]


@pytest.mark.parametrize("key", [None, "acc_unknown_key"])
def test_an_import_needs_a_live_reporter_key(data_dir, dump, key, capsys, monkeypatch):
    monkeypatch.delenv("ACCORD_KEY", raising=False)
    assert main(["import", "aiid", str(dump), *(["--key", key] if key else [])]) == 2
    assert "key" in capsys.readouterr().err
    assert stored(data_dir) == []


def test_a_missing_dump_is_an_error(data_dir, tmp_path, capsys):
    assert main(["import", "avid", str(tmp_path)]) == 2
    assert "no " in capsys.readouterr().err


def test_an_unreadable_file_is_an_error(data_dir, tmp_path, reporter_key, capsys):
    folder = tmp_path / "aiaaic"
    folder.mkdir()
    (folder / "incidents.csv").write_bytes(b"\xff\xfe")

    assert main(["import", "aiaaic", str(folder), "--key", reporter_key]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_outbox_shows_how_many_reports_wait_and_since_when(data_dir, dump, reporter_key, capsys):
    main(["import", "aiid", str(dump), "--key", reporter_key])
    capsys.readouterr()

    out = accord(capsys, "outbox")

    assert out.startswith(f"1 reports wait to be published in {data_dir / 'intake-outbox.sqlite3'}")
    assert ", the oldest accepted 20" in out
    outbox = Outbox(outbox_path(Settings(data_dir=data_dir)))
    [(report_id, _)] = outbox.unpublished(10)
    outbox.mark_published([report_id], "2026-12-03T10:00:00+00:00")
    outbox.close()
    assert accord(capsys, "outbox").startswith("0 reports wait to be published")


def test_outbox_without_an_outbox_says_where_it_looked(data_dir, capsys):
    assert main(["outbox"]) == 1
    assert f"no outbox at {data_dir / 'intake-outbox.sqlite3'}" in capsys.readouterr().err
