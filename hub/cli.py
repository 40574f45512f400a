"""The `hub` command line: database, seed and server (`python -m hub` works too)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

import hub.activity.recording  # noqa: F401  (CLI writes feed the activity events too)
from hub.accounts.models import Role
from hub.db import Database, make_engine
from hub.observability import configure_logging
from hub.settings import Settings, SettingsError, load_settings

COMMANDS_HELP = {
    "setup": "migrate the database and load the seed (first time only); prints the demo accounts in local mode",
    "serve": "serve the hub on HUB_HOST:HUB_PORT",
    "db upgrade": "apply the migrations up to the latest",
    "db check": "fail if the models and the migrations differ",
    "db backup": "write a consistent copy of the database to a file (SQLite online backup or pg_dump)",
    "db restore": "replace the database with a backup file (stop the hub first)",
    "seed load": "load the open-data seed (idempotent)",
    "search reindex": "rebuild the search index into a fresh one and swap it in (progress bar)",
    "search status": "show the engine, the index lag and any failures",
    "exchanges remind": "e-mail people whose availability ends within a week (run once a day)",
    "privacy purge": "delete the personal data past its retention: outbox e-mails, guests' contacts (run once a day)",
    "search work": "drain the search outbox in the foreground (a separate worker process)",
    "dedup scan": "scan the catalogue for likely duplicate projects into review items (progress bar, resumable)",
    "ledger verify": (
        "replay the innovation-hours journal: chain, balances, invariants; exits 1 naming the first broken entry "
        "(--checkpoint FILE: also the history a saved checkpoint pins)"
    ),
    "import": "import projects from a CSV file, all or nothing (--dry-run: report only)",
    "accounts grant": "give an account the administrator or decision-maker role (the first administrator starts here)",
    "accounts revoke": "take the administrator or decision-maker role from an account (never the last administrator)",
}

# The roles given from the command line: no page grants them (referents are designated on their own page, the
# other roles are chosen at sign-up).
COMMAND_LINE_ROLES = ("admin", "decision_maker")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        sys.exit(f"Configuration error: {exc}")


def _reindex_if_needed(settings: Settings) -> int:
    from hub.app import open_search_engine

    documents = open_search_engine(settings).status().documents
    if documents:
        return 0
    return cmd_search_reindex(settings)


def cmd_db_upgrade(settings: Settings) -> int:
    from hub.migrate import upgrade

    upgrade(make_engine(settings.effective_database_url))
    print("Database migrated to the latest revision.")
    return 0


def cmd_db_backup(settings: Settings, target: str) -> int:
    from hub.backup import BackupError, backup

    try:
        path = backup(settings.effective_database_url, Path(target))
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written to {path} ({path.stat().st_size} bytes).")
    return 0


def cmd_db_restore(settings: Settings, source: str) -> int:
    from hub.backup import BackupError, restore

    try:
        restore(settings.effective_database_url, Path(source))
    except BackupError as exc:
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Database restored from {source}. Run `hub search reindex` before serving again.")
    return 0


def cmd_db_check(settings: Settings) -> int:
    from hub.migrate import pending_differences

    engine = make_engine(settings.effective_database_url)
    with engine.connect() as connection:
        differences = pending_differences(connection)
    if differences:
        print("Models and migrations differ:", *differences, sep="\n  ")
        return 1
    print("Models and migrations agree.")
    return 0


def cmd_seed_load(settings: Settings, *, demo: bool) -> int:
    from seed.load import load_all, text_progress

    database = Database(make_engine(settings.effective_database_url))
    started = time.perf_counter()
    with database.transaction() as session:
        report = load_all(
            session,
            progress=text_progress(),
            demo_passwords_file=(settings.var_dir / "demo-accounts.txt")
            if demo and not settings.is_production
            else None,
        )
    if report.changed and database.dialect_name == "postgresql" and isinstance(database.bind, Engine):
        # after a bulk load, the planner's statistics now: autovacuum would gather them later, while the hub
        # serves, or never where it is turned off (as on the PostgreSQL of our test machines)
        with database.bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    added = ", ".join(f"{name}: {count}" for name, count in report.added.items())
    print(
        f"Seed {'loaded' if report.changed else 'already up to date'} in {time.perf_counter() - started:.1f} s ({added})."
    )
    if report.demo_accounts:
        print("\nFictional demo accounts (local use only):")
        for role, email, password in report.demo_accounts:
            print(f"  {role:<24} {email:<40} {password}")
    return 0


def _database(settings: Settings) -> Database:
    return Database(make_engine(settings.effective_database_url))


@contextmanager
def _closing_database(settings: Settings) -> Iterator[Database]:
    """The database, its pooled connections closed at the end (no connection left for the garbage collector: a
    ResourceWarning with psycopg when the command runs inside a test)."""
    engine = make_engine(settings.effective_database_url)
    try:
        yield Database(engine)
    finally:
        engine.dispose()


def cmd_search_reindex(settings: Settings) -> int:
    from hub.app import open_search_engine
    from hub.indexing.services import rebuild_index
    from seed.load import text_progress

    progress = text_progress()
    started = time.perf_counter()
    count = rebuild_index(
        _database(settings),
        open_search_engine(settings),
        progress=lambda done, total: progress("Index de recherche", done, total),
    )
    progress("Index de recherche", count, count)
    print(f"Search index rebuilt: {count} documents in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_search_status(settings: Settings) -> int:
    from hub.app import open_search_engine
    from hub.indexing.services import outbox_status

    engine = open_search_engine(settings)
    engine_status = engine.status()
    outbox = outbox_status(_database(settings))
    print(f"engine:            {engine_status.engine} ({'available' if engine_status.available else 'UNAVAILABLE'})")
    if engine_status.degraded:
        print(f"degraded:          yes, answering from the embedded index ({engine_status.detail})")
    print(f"documents:         {engine_status.documents}")
    print(f"pending changes:   {outbox.pending} (lag {outbox.lag_seconds:.1f} s)")
    print(f"failing changes:   {outbox.failing}" + (f" (last error: {outbox.last_error})" if outbox.failing else ""))
    return 1 if outbox.failing or not engine_status.available else 0


def cmd_search_work(settings: Settings) -> int:
    from hub.app import open_search_engine
    from hub.indexing.services import IndexWorker

    worker = IndexWorker(_database(settings), open_search_engine(settings))
    worker.start()
    print("Draining the search outbox; Ctrl+C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        worker.stop()
    return 0


def cmd_ledger_verify(settings: Settings, checkpoint_file: str | None = None) -> int:
    from hub.ledger.checkpoint import CheckpointError, parse_checkpoint
    from hub.ledger.verification import verify_ledger

    checkpoint = None
    if checkpoint_file is not None:
        try:
            checkpoint = parse_checkpoint(Path(checkpoint_file).read_bytes().decode("utf-8"))
        except OSError as exc:
            print(f"Checkpoint not read: {checkpoint_file}: {exc.strerror or exc}")
            return 2
        except (CheckpointError, UnicodeDecodeError) as exc:
            reason = exc if isinstance(exc, CheckpointError) else "le fichier n’est pas du texte UTF-8"
            print(f"Checkpoint refused: {checkpoint_file}: {reason}")
            return 2
    started = time.perf_counter()
    with _closing_database(settings) as database:
        problem = verify_ledger(database, checkpoint)
    if problem is not None:
        print(f"Ledger verification failed: {problem}")
        return 1
    print(f"Ledger verified in {time.perf_counter() - started:.1f} s: chain, balances and invariants hold.")
    if checkpoint is not None:
        print(
            f"Checkpoint of {checkpoint.taken_at.isoformat()} ({len(checkpoint.heads)} accounts, digest "
            f"{checkpoint.digest}): every entry it pins is unchanged."
        )
    return 0


def cmd_dedup_scan(settings: Settings, *, restart: bool) -> int:
    from hub.db import utcnow
    from hub.dedup.services import scan_catalogue
    from seed.load import text_progress

    started = time.perf_counter()
    started_at = utcnow()
    with _database(settings).session() as session:
        run = scan_catalogue(session, progress=text_progress(), restart=restart)
    if run.finished_at is not None and run.finished_at < started_at:
        print(f"This catalogue was already scanned (run n° {run.id}); use --restart to scan it again.")
        return 0
    print(
        f"Duplicate scan n° {run.id}: {run.pairs_found} likely duplicate pairs in {run.clusters_total} groups, "
        f"{run.pairs_recorded} newly proposed for review ({time.perf_counter() - started:.1f} s)."
    )
    return 0


def cmd_import(settings: Settings, *, path: str, dry_run: bool, email: str, kind: str = "projets") -> int:
    from pathlib import Path

    from sqlmodel import col, select

    from hub.accounts.models import Account, AccountRole
    from hub.accounts.services import viewer_for
    from hub.dedup.actor_import import import_actors
    from hub.dedup.importer import MAX_FILE_BYTES, import_projects

    file = Path(path)
    if not file.is_file():
        print(f"Fichier introuvable : {path}")
        return 2
    if file.stat().st_size > MAX_FILE_BYTES:
        print(f"Le fichier dépasse {MAX_FILE_BYTES // 1024 // 1024} Mo : découpez-le.")
        return 1
    with _database(settings).session() as session:
        statement = select(Account).join(AccountRole, col(AccountRole.account_id) == col(Account.id))
        statement = statement.where(col(AccountRole.role) == Role.ADMIN)
        if email:
            statement = statement.where(col(Account.email) == email.lower())
        account = session.exec(statement.order_by(col(Account.id))).first()
        if account is None:
            print(
                f"No administrator account{' ' + email if email else ''}: imports are made on behalf of one (--as EMAIL)."
            )
            return 2
        run = import_actors if kind == "acteurs" else import_projects
        report = run(session, file.read_bytes(), viewer_for(session, account), dry_run=dry_run)
        if report.has_errors or dry_run:
            session.rollback()
        else:
            session.commit()
    print(report.as_text())
    return 1 if report.has_errors else 0


def cmd_accounts_role(settings: Settings, *, email: str, role: str, grant: bool) -> int:
    """Grant or revoke a role given only here, recorded in the change log and the security log."""
    from sqlmodel import col, delete, func, select

    from hub.accounts.models import Account, AccountRole
    from hub.changelog.services import record_change
    from hub.ledger.erasure import is_erased
    from hub.web import security_log

    wanted = Role(role)
    with _closing_database(settings) as database, database.transaction() as session:
        account = session.exec(select(Account).where(col(Account.email) == email.strip().lower())).first()
        if account is None or account.id is None or is_erased(account):
            print(f"No account with the e-mail address {email}: the person signs up first (/inscription).")
            return 2
        held = sorted(session.exec(select(AccountRole.role).where(col(AccountRole.account_id) == account.id)).all())
        if (wanted in held) == grant:
            print(
                f"Account {account.id} {'already holds' if grant else 'does not hold'} the role {wanted}: nothing done."
            )
            return 0
        if grant:
            session.add(AccountRole(account_id=account.id, role=wanted))
        else:
            if wanted is Role.ADMIN:
                admins = session.exec(
                    select(func.count()).select_from(AccountRole).where(col(AccountRole.role) == Role.ADMIN)
                ).one()
                if admins <= 1:
                    print("Refused: this is the last administrator; grant the role to someone else first.")
                    return 1
            session.exec(
                delete(AccountRole).where(col(AccountRole.account_id) == account.id, col(AccountRole.role) == wanted)
            )
        after = sorted({*held, wanted} if grant else set(held) - {wanted})
        action = "role_granted" if grant else "role_revoked"
        record_change(
            session,
            object_type="account",
            object_id=account.id,
            action=action,
            account_id=None,
            changes={"roles": [[str(r) for r in held], [str(r) for r in after]]},
            note=f"hub accounts {'grant' if grant else 'revoke'} (command line)",
        )
    security_log.warning(
        "role %s %s account %s from the command line", wanted, "granted to" if grant else "revoked from", account.id
    )
    print(
        f"Role {wanted} {'granted to' if grant else 'revoked from'} account {account.id}; effective at its next request."
    )
    return 0


def cmd_exchanges_remind(settings: Settings) -> int:
    from hub.db import utcnow
    from hub.exchanges.services import send_expiry_reminders

    sent = send_expiry_reminders(_database(settings), settings, utcnow())
    print(f"{sent} reminder(s) sent.")
    return 0


def cmd_privacy_purge(settings: Settings, *, dry_run: bool) -> int:
    """Delete what is past its retention (docs/gdpr-register.md) and print the counts; --dry-run only counts."""
    from hub.db import utcnow
    from hub.exchanges.mail import OUTBOX_RETENTION
    from hub.places.services import GUEST_CONTACT_RETENTION
    from hub.retention import purge_expired

    with _closing_database(settings) as database:
        report = purge_expired(database, settings, utcnow(), dry_run=dry_run)
    done = ("to delete", "to erase") if dry_run else ("deleted", "erased")
    print(f"Outbox e-mails older than {OUTBOX_RETENTION.days} days: {report.outbox_files} {done[0]}.")
    print(
        f"Names and contacts of guests of meetings more than {GUEST_CONTACT_RETENTION.days} days ago: "
        f"{report.guest_contacts} {done[1]}."
    )
    if dry_run:
        print("Dry run: nothing was changed.")
    if report.outbox_failures:
        print(f"{report.outbox_failures} outbox e-mail(s) could not be deleted (see the log).", file=sys.stderr)
        return 1
    return 0


def cmd_serve(settings: Settings, *, reload: bool) -> int:
    import uvicorn

    print(f"Serving the lab e-santé hub on http://{settings.host}:{settings.port}")
    # The hub logs each request itself (`hub.access`, with the request id and without the query string), so
    # uvicorn's access log is off. In production uvicorn's own lines go through the hub's JSON handler too.
    configure_logging(settings.log_level, json_logs=settings.is_production)
    uvicorn.run(
        "hub.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        access_log=False,
        log_config=None if settings.is_production else uvicorn.config.LOGGING_CONFIG,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.is_production,
        timeout_graceful_shutdown=5,  # live-feed streams never end by themselves
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hub` command."""
    parser = argparse.ArgumentParser(prog="hub", description="The lab e-santé hub.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help=COMMANDS_HELP["setup"])
    serve = commands.add_parser("serve", help=COMMANDS_HELP["serve"])
    serve.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    db = commands.add_parser("db", help="database commands").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help=COMMANDS_HELP["db upgrade"])
    db.add_parser("check", help=COMMANDS_HELP["db check"])
    db_backup = db.add_parser("backup", help=COMMANDS_HELP["db backup"])
    db_backup.add_argument("file", help="where to write the backup")
    db_restore = db.add_parser("restore", help=COMMANDS_HELP["db restore"])
    db_restore.add_argument("file", help="the backup to restore")
    seed = commands.add_parser("seed", help="seed commands").add_subparsers(dest="seed_command", required=True)
    seed_load = seed.add_parser("load", help=COMMANDS_HELP["seed load"])
    seed_load.add_argument("--no-demo", action="store_true", help="do not create the demo accounts")
    exchanges = commands.add_parser("exchanges", help="availability and introductions").add_subparsers(
        dest="exchanges_command", required=True
    )
    exchanges.add_parser("remind", help=COMMANDS_HELP["exchanges remind"])
    privacy = commands.add_parser("privacy", help="personal data").add_subparsers(dest="privacy_command", required=True)
    purge = privacy.add_parser("purge", help=COMMANDS_HELP["privacy purge"])
    purge.add_argument("--dry-run", action="store_true", help="count what is past its retention, delete nothing")
    search = commands.add_parser("search", help="search index commands").add_subparsers(
        dest="search_command", required=True
    )
    search.add_parser("reindex", help=COMMANDS_HELP["search reindex"])
    search.add_parser("status", help=COMMANDS_HELP["search status"])
    search.add_parser("work", help=COMMANDS_HELP["search work"])
    dedup = commands.add_parser("dedup", help="duplicate projects").add_subparsers(dest="dedup_command", required=True)
    scan = dedup.add_parser("scan", help=COMMANDS_HELP["dedup scan"])
    scan.add_argument("--restart", action="store_true", help="start a new run even if this catalogue was scanned")
    ledger = commands.add_parser("ledger", help="innovation-hours bank").add_subparsers(
        dest="ledger_command", required=True
    )
    ledger_verify = ledger.add_parser("verify", help=COMMANDS_HELP["ledger verify"])
    ledger_verify.add_argument(
        "--checkpoint", metavar="FILE", help="also check that the history pinned by this saved checkpoint is unchanged"
    )
    importer = commands.add_parser("import", help=COMMANDS_HELP["import"])
    importer.add_argument("file", help="CSV file (UTF-8, header line; see the README)")
    importer.add_argument("--dry-run", action="store_true", help="report errors and duplicates, write nothing")
    importer.add_argument("--as", dest="email", default="", help="administrator account (default: the first one)")
    importer.add_argument(
        "--type", dest="kind", choices=("projets", "acteurs"), default="projets", help="what the file lists"
    )
    accounts = commands.add_parser("accounts", help="roles given from the command line").add_subparsers(
        dest="accounts_command", required=True
    )
    for name in ("grant", "revoke"):
        command = accounts.add_parser(name, help=COMMANDS_HELP[f"accounts {name}"])
        command.add_argument("email", help="the account's e-mail address")
        command.add_argument("role", choices=COMMAND_LINE_ROLES, help="the role")
    args = parser.parse_args(argv)
    settings = _settings()
    if args.command == "setup":
        return cmd_db_upgrade(settings) or cmd_seed_load(settings, demo=True) or _reindex_if_needed(settings)
    if args.command == "exchanges":
        return cmd_exchanges_remind(settings)
    if args.command == "privacy":
        return cmd_privacy_purge(settings, dry_run=args.dry_run)
    if args.command == "accounts":
        grant = args.accounts_command == "grant"
        return cmd_accounts_role(settings, email=args.email, role=args.role, grant=grant)
    if args.command == "search":
        commands_by_name = {"reindex": cmd_search_reindex, "status": cmd_search_status, "work": cmd_search_work}
        return commands_by_name[args.search_command](settings)
    if args.command == "dedup":
        return cmd_dedup_scan(settings, restart=args.restart)
    if args.command == "ledger":
        return cmd_ledger_verify(settings, args.checkpoint)
    if args.command == "import":
        return cmd_import(settings, path=args.file, dry_run=args.dry_run, email=args.email, kind=args.kind)
    if args.command == "serve":
        return cmd_serve(settings, reload=args.reload)
    if args.command == "db":
        if args.db_command == "backup":
            return cmd_db_backup(settings, args.file)
        if args.db_command == "restore":
            return cmd_db_restore(settings, args.file)
        return cmd_db_upgrade(settings) if args.db_command == "upgrade" else cmd_db_check(settings)
    return cmd_seed_load(settings, demo=not args.no_demo)


if __name__ == "__main__":
    sys.exit(main())
