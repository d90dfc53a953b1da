"""``flask munjigi import hankki``: members log in with their old passwords and find their
recipes, comments and likes; a second run changes nothing; an interrupted run resumes."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from munjigi.extensions import db
from munjigi.imports import runner as import_runner
from munjigi.imports.models import ImportedPrice
from munjigi.imports.models import ImportMapping
from munjigi.imports.models import ImportRun
from munjigi.imports.sources import POST
from munjigi.recipes.models import Comment
from munjigi.recipes.models import CommentLike
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeLike
from munjigi.security.models import AuditEvent
from munjigi.security.models import User
from munjigi.security.models import UserStatus
from tests.imports import sourcedb

MODELS = (User, Ingredient, Recipe, Comment, RecipeLike, CommentLike, ImportMapping, AuditEvent)


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) or 0 for m in MODELS}


def run_import(runner, url: str, *extra: str):
    result = runner.invoke(
        args=["munjigi", "import", "hankki", url, "--quiet", "--source-name", "hankki-test", *extra]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def login(client, username: str, password: str):
    return client.post("/members/login", json={"username": username, "password": password})


@pytest.fixture
def source_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'hankki.db'}"
    sourcedb.fill_hankki(url)
    return url


def test_dry_run_reports_conflicts_and_writes_nothing(runner, source_url):
    before = counts()
    result = run_import(runner, source_url)
    assert "DRY RUN" in result.output
    assert "user 3: username_taken → skipped" in result.output
    assert "user 4: email_missing → skipped" in result.output
    assert "post 2: author_not_imported → skipped" in result.output
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_members_log_in_with_old_passwords_and_see_their_content(runner, client, source_url):
    result = run_import(runner, source_url, "--apply")
    assert "post_like 0:0: own_content_liked → skipped" in result.output
    assert "without a usable password (use 'forgot password'): 1" in result.output

    strong = login(client, "kim_chef", sourcedb.STRONG)
    assert strong.status_code == 200, strong.json
    assert strong.json["message"] == "로그인 성공"
    assert strong.json["password_change_required"] is False
    # bcrypt verified once, then replaced by argon2id
    assert db.session.scalar(
        select(User.password_hash).where(User.username == "kim_chef")
    ).startswith("$argon2id$")
    weak = login(client, "lee", sourcedb.WEAK)
    assert weak.status_code == 200
    assert weak.json["password_change_required"] is True
    again = login(client, "lee", sourcedb.WEAK)
    assert again.json["password_change_required"] is True
    # plaintext in the source is never a password: the member uses "forgot password"
    assert login(client, "park", "hunter2").status_code == 400
    stored = db.session.scalar(select(User.password_hash).where(User.username == "park"))
    assert "hunter2" not in stored

    listing = client.get("/posts?pageSize=100").json["posts"]
    by_title = {p["title"]: p for p in listing}
    assert set(by_title) == {"김치볶음밥", "주인 없는 김치"}
    mine = client.get(f"/posts/{by_title['김치볶음밥']['id']}").json
    assert mine["post"]["username"] == "kim_chef"
    assert mine["post"]["create_date"].startswith("2023-05-01T12:30")
    assert mine["post"]["like"] == 1  # lee's like; kim's like of their own post was refused
    assert [i["name"] for i in mine["post"]["ingredients"]] == ["쌀"]
    assert mine["post"]["price"] == 450  # 150 g of rice at 3000 won / 1000 g
    comments = {c["content"]: c for c in mine["comments"]}
    assert comments["맛있어요"]["username"] == "lee"
    assert comments["맛있어요"]["like"] == 1
    assert comments["익명 댓글"]["username"] == "imported"
    orphan = client.get(f"/posts/{by_title['주인 없는 김치']['id']}").json["post"]
    assert orphan["username"] == "imported"
    owner = db.session.scalar(select(User).where(User.username == "imported"))
    assert owner.status == UserStatus.LOCKED
    assert db.session.scalar(select(func.count()).select_from(ImportedPrice)) == 2
    # search finds imported titles (the gram index was filled)
    assert [p["title"] for p in client.get("/posts?q=볶음").json["posts"]] == ["김치볶음밥"]

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "imported")).all()
    assert {e.detail["old_id"] for e in events if not e.detail.get("owner")} == {"0", "1", "2"}
    assert all(e.detail["source"] == "hankki-test" for e in events)


def test_second_run_changes_nothing_but_its_journal(runner, source_url):
    run_import(runner, source_url, "--apply")
    before = counts()
    result = run_import(runner, source_url, "--apply")
    assert counts() == before
    assert "user                   5          0          3" in result.output
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.status for r in runs] == ["done", "done"]


def test_rename_rule_imports_conflicting_accounts(runner, client, source_url):
    result = run_import(runner, source_url, "--apply", "--on-conflict", "rename")
    assert "user 3: username_taken → renamed to Kim_Chef_3" in result.output
    renamed = db.session.scalar(select(User).where(User.username == "Kim_Chef_3"))
    assert renamed is not None and renamed.email == "kim2@example.com"
    nomail = db.session.scalar(select(User).where(User.username == "nomail"))
    assert nomail.email.endswith("@import.invalid")
    assert login(client, "Kim_Chef_3", sourcedb.STRONG).status_code == 200


def test_authorless_content_can_be_skipped(runner, client, source_url):
    run_import(runner, source_url, "--apply", "--authorless", "skip")
    assert db.session.scalar(select(User).where(User.username == "imported")) is None
    titles = [p["title"] for p in client.get("/posts").json["posts"]]
    assert titles == ["김치볶음밥"]


def test_interrupted_run_resumes_where_it_stopped(runner, source_url, monkeypatch):
    calls = {"n": 0}
    real = import_runner.WRITERS[POST]

    def failing(ctx, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            real(ctx, batch)  # written, then the process "dies" before the commit
            raise RuntimeError("injected failure after batch 1 of posts")
        real(ctx, batch)

    monkeypatch.setitem(import_runner.WRITERS, POST, failing)
    result = runner.invoke(
        args=[
            "munjigi",
            "import",
            "hankki",
            source_url,
            "--quiet",
            "--apply",
            "--source-name",
            "hankki-test",
            "--batch-size",
            "1",
        ]
    )
    assert isinstance(result.exception, RuntimeError)
    assert db.session.scalar(select(func.count()).select_from(Recipe)) == 1
    monkeypatch.setitem(import_runner.WRITERS, POST, real)

    result = run_import(runner, source_url, "--apply", "--batch-size", "1")
    assert "resuming run" in result.output
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.status for r in runs] == ["resumed", "done"]
    assert runs[1].resumed_from == runs[0].id
    # the resumed run did not re-read the users: their cursor had passed them
    assert "user" not in runs[1].counts
    assert db.session.scalar(select(func.count()).select_from(Recipe)) == 2
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 2
    final = counts()
    run_import(runner, source_url, "--apply")
    assert counts() == final


def test_stopping_after_some_batches_leaves_the_run_resumable(runner, source_url):
    run_import(runner, source_url, "--apply", "--batch-size", "2", "--max-batches", "1")
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    run_import(runner, source_url, "--apply", "--batch-size", "2")
    assert db.session.scalar(select(func.count()).select_from(User)) == 4  # 3 + imported


def test_member_deleted_after_import_stays_deleted(runner, source_url):
    run_import(runner, source_url, "--apply")
    result = runner.invoke(args=["munjigi", "delete-user", "kim_chef", "--yes"])
    assert result.exit_code == 0, result.output
    gone = select(func.count()).select_from(Recipe).where(Recipe.title == "김치볶음밥")
    assert db.session.scalar(gone) == 0
    result = run_import(runner, source_url, "--apply")
    db.session.expire_all()
    usernames = set(db.session.scalars(select(User.username)))  # MariaDB compares without case
    assert "kim_chef" not in usernames
    assert db.session.scalar(gone) == 0
    # the conflict that kim_chef caused is gone too: Kim_Chef (old id 3) comes in now
    assert "user 3" not in result.output
    assert "Kim_Chef" in usernames


def test_delete_user_asks_first_and_cascades(runner, client, source_url):
    run_import(runner, source_url, "--apply")
    refused = runner.invoke(args=["munjigi", "delete-user", "lee"], input="n\n")
    assert refused.exit_code == 1
    assert login(client, "lee", sourcedb.WEAK).status_code == 200
    done = runner.invoke(args=["munjigi", "delete-user", "lee"], input="y\n")
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1  # lee's went too
    assert db.session.scalar(select(func.count()).select_from(RecipeLike)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "member_deleted"))
    assert event.reason == "cli" and event.actor_id is None
    assert runner.invoke(args=["munjigi", "delete-user", "nobody", "--yes"]).exit_code == 1


def test_cli_lists_the_import_commands(runner):
    listed = runner.invoke(args=["munjigi", "--help"]).output
    assert "import" in listed and "delete-user" in listed
    names = runner.invoke(args=["munjigi", "import", "--help"]).output
    for command in ("hankki", "auth-system", "file"):
        assert command in names
