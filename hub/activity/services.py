"""Reading the activity feed: filters, pages of events, events after an id (for the live stream), their JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.activity.models import ACTIVITY_KIND_LABELS, ActivityEvent, ActivityEventSector, ActivityKind
from hub.errors import HubError
from hub.listing import InvalidFilter, Page, check_page_exists, parse_choice
from hub.sectors.models import Sector
from hub.territories.models import Territory

KNOWN_FEED_PARAMS = frozenset({"region", "departement", "sector", "page", "per_page"})
KNOWN_STREAM_PARAMS = frozenset({"region", "departement", "sector", "after"})
MAX_ID_DIGITS = 12


class NotAnEventStream(HubError):
    """The live stream was asked for by something that does not read Server-Sent Events (a page, a plain fetch)."""

    status_code = 406
    title = "Format non pris en charge"


def check_accepts_event_stream(accept: str) -> None:
    """NotAnEventStream unless the client accepts text/event-stream (browsers' EventSource always says so): a
    stream never ends, so a client that would wait for the end of the response must not get one."""
    if "text/event-stream" not in accept.lower():
        raise NotAnEventStream(
            "Cette adresse diffuse l’activité en direct pour la page « Activité du réseau » : ouvrez /activite."
        )


@dataclass(frozen=True)
class FeedFilters:
    """Which events a reader wants: a région or a département (territory ids) and a sector code; all optional."""

    region: str | None = None
    departement: str | None = None
    sector: str | None = None

    def as_params(self) -> dict[str, str]:
        """The filters as the query parameters that produced them."""
        params = {}
        if self.region:
            params["region"] = self.region.removeprefix("reg-")
        if self.departement:
            params["departement"] = self.departement.removeprefix("dep-")
        if self.sector:
            params["sector"] = self.sector
        return params


@dataclass(frozen=True)
class Vocabulary:
    """The codes a filter may take and the names shown for them (read once, they change rarely)."""

    territory_names: Mapping[str, str]
    sector_labels: Mapping[str, str]

    @property
    def region_codes(self) -> set[str]:
        """INSEE codes of the régions ("75")."""
        return {t.removeprefix("reg-") for t in self.territory_names if t.startswith("reg-")}

    @property
    def departement_codes(self) -> set[str]:
        """Codes of the départements ("33", "2A", "974")."""
        return {t.removeprefix("dep-") for t in self.territory_names if t.startswith("dep-")}


def load_vocabulary(session: Session) -> Vocabulary:
    """Territory names and sector labels (two small queries)."""
    return Vocabulary(
        territory_names=dict(session.exec(select(Territory.id, Territory.name)).all()),
        sector_labels=dict(session.exec(select(Sector.code, Sector.label)).all()),
    )


def parse_filters(vocabulary: Vocabulary, params: Mapping[str, str], known: Collection[str]) -> FeedFilters:
    """The filters in `params`; an unknown parameter or value is InvalidFilter (400)."""
    for name in params:
        if name not in known:
            raise InvalidFilter(name[:50], f"Filtre inconnu : « {name[:50]} ».")
    region = parse_choice(params, "region", vocabulary.region_codes)
    departement = parse_choice(params, "departement", vocabulary.departement_codes)
    return FeedFilters(
        region=f"reg-{region}" if region else None,
        departement=f"dep-{departement}" if departement else None,
        sector=parse_choice(params, "sector", set(vocabulary.sector_labels)),
    )


def parse_event_id(raw: str | None, name: str) -> int | None:
    """An event id given by a client (`after`, `Last-Event-ID`), or None when absent; garbage is InvalidFilter."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isdigit() or len(text) > MAX_ID_DIGITS:
        raise InvalidFilter(name, f"« {name} » doit être le numéro d’un événement.")
    return int(text)


@dataclass(frozen=True)
class FeedItem:
    """One event as readers see it."""

    id: int
    kind: str
    title: str
    url: str
    region_id: str | None
    departement_id: str | None
    sectors: tuple[str, ...]
    created_at: datetime

    @property
    def kind_label(self) -> str:
        """The French name of what happened."""
        return ACTIVITY_KIND_LABELS.get(ActivityKind(self.kind), self.kind)

    def matches(self, filters: FeedFilters) -> bool:
        """Whether a reader with these filters wants this event (the live stream filters in memory)."""
        if filters.region and self.region_id != filters.region:
            return False
        if filters.departement and self.departement_id != filters.departement:
            return False
        return not (filters.sector and filters.sector not in self.sectors)


def _filtered(statement: Any, filters: FeedFilters) -> Any:
    if filters.region:
        statement = statement.where(col(ActivityEvent.region_id) == filters.region)
    if filters.departement:
        statement = statement.where(col(ActivityEvent.departement_id) == filters.departement)
    if filters.sector:
        concerned = sa_select(col(ActivityEventSector.event_id)).where(
            col(ActivityEventSector.sector_code) == filters.sector
        )
        statement = statement.where(col(ActivityEvent.id).in_(concerned))
    return statement


def _items(session: Session, rows: Sequence[ActivityEvent]) -> list[FeedItem]:
    ids = [r.id for r in rows if r.id is not None]
    sectors: dict[int, list[str]] = {}
    if ids:
        links = session.exec(
            select(ActivityEventSector.event_id, ActivityEventSector.sector_code)
            .where(col(ActivityEventSector.event_id).in_(ids))
            .order_by(col(ActivityEventSector.sector_code))
        ).all()
        for event_id, code in links:
            sectors.setdefault(event_id, []).append(code)
    return [
        FeedItem(
            id=r.id or 0,
            kind=str(r.kind),
            title=r.title,
            url=r.url,
            region_id=r.region_id,
            departement_id=r.departement_id,
            sectors=tuple(sectors.get(r.id or 0, ())),
            created_at=r.created_at,
        )
        for r in rows
    ]


def list_events(session: Session, filters: FeedFilters, *, page: int, per_page: int) -> Page[FeedItem]:
    """One page of the feed, newest first."""
    statement = _filtered(select(ActivityEvent), filters)
    total = session.exec(_filtered(select(func.count()).select_from(ActivityEvent), filters)).one()
    check_page_exists(page, per_page, total)
    rows = session.exec(
        statement.order_by(col(ActivityEvent.id).desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=_items(session, rows), total=total, page=page, per_page=per_page)


def events_after(
    session: Session,
    after_id: int,
    *,
    limit: int,
    also: Collection[int] = (),
    up_to: int | None = None,
    filters: FeedFilters | None = None,
) -> list[FeedItem]:
    """Events with an id above `after_id` (and those listed in `also`), oldest first, at most `limit`."""
    condition = col(ActivityEvent.id) > after_id
    if also:
        condition = condition | col(ActivityEvent.id).in_(sorted(also))
    statement = select(ActivityEvent).where(condition)
    if up_to is not None:
        statement = statement.where(col(ActivityEvent.id) <= up_to)
    if filters is not None:
        statement = _filtered(statement, filters)
    rows = session.exec(statement.order_by(col(ActivityEvent.id)).limit(limit)).all()
    return _items(session, rows)


def latest_event_id(session: Session) -> int:
    """The highest event id (0 when the feed is empty)."""
    return int(session.exec(select(func.max(col(ActivityEvent.id)))).one() or 0)


def item_json(item: FeedItem, vocabulary: Vocabulary) -> dict[str, Any]:
    """An event as the API and the live stream send it (names included, so that a browser needs nothing else)."""

    def territory(territory_id: str | None) -> dict[str, str] | None:
        if not territory_id:
            return None
        code = territory_id.split("-", 1)[-1]
        return {"code": code, "name": vocabulary.territory_names.get(territory_id, code)}

    return {
        "id": item.id,
        "kind": item.kind,
        "kind_label": item.kind_label,
        "title": item.title,
        "url": item.url or None,
        "region": territory(item.region_id),
        "departement": territory(item.departement_id),
        "sectors": [{"code": c, "label": vocabulary.sector_labels.get(c, c)} for c in item.sectors],
        "created_at": item.created_at.isoformat(),
    }


def item_data(item: FeedItem, vocabulary: Vocabulary) -> str:
    """The JSON text of an event, serialised once and shared by every stream that sends it."""
    return json.dumps(item_json(item, vocabulary), ensure_ascii=False, separators=(",", ":"))
