"""The `hub` command line: database, seed and server (`python -m hub` works too)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from hub.db import Database, make_engine
from hub.settings import Settings, SettingsError, load_settings

COMMANDS_HELP = {
    "setup": "migrate the database and load the seed (first time only); prints the demo accounts in local mode",
    "serve": "serve the hub on HUB_HOST:HUB_PORT",
    "db upgrade": "apply the migrations up to the latest",
    "db check": "fail if the models and the migrations differ",
    "seed load": "load the open-data seed (idempotent)",
}


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        sys.exit(f"Configuration error: {exc}")


def cmd_db_upgrade(settings: Settings) -> int:
    from hub.migrate import upgrade

    upgrade(make_engine(settings.effective_database_url))
    print("Database migrated to the latest revision.")
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
    added = ", ".join(f"{name}: {count}" for name, count in report.added.items())
    print(
        f"Seed {'loaded' if report.changed else 'already up to date'} in {time.perf_counter() - started:.1f} s ({added})."
    )
    if report.demo_accounts:
        print("\nFictional demo accounts (local use only):")
        for role, email, password in report.demo_accounts:
            print(f"  {role:<24} {email:<40} {password}")
    return 0


def cmd_serve(settings: Settings, *, reload: bool) -> int:
    import uvicorn

    print(f"Serving the lab e-santé hub on http://{settings.host}:{settings.port}")
    uvicorn.run(
        "hub.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        log_level=settings.log_level.lower(),
        proxy_headers=settings.is_production,
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
    seed = commands.add_parser("seed", help="seed commands").add_subparsers(dest="seed_command", required=True)
    seed_load = seed.add_parser("load", help=COMMANDS_HELP["seed load"])
    seed_load.add_argument("--no-demo", action="store_true", help="do not create the demo accounts")
    args = parser.parse_args(argv)
    settings = _settings()
    if args.command == "setup":
        return cmd_db_upgrade(settings) or cmd_seed_load(settings, demo=True)
    if args.command == "serve":
        return cmd_serve(settings, reload=args.reload)
    if args.command == "db":
        return cmd_db_upgrade(settings) if args.db_command == "upgrade" else cmd_db_check(settings)
    return cmd_seed_load(settings, demo=not args.no_demo)


if __name__ == "__main__":
    sys.exit(main())
