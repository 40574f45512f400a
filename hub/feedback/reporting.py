"""Field feedback items and their answers can be reported and masked: their entries in the moderation registry."""

from __future__ import annotations

from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.feedback.models import FeedbackAnswer, FieldFeedback
from hub.feedback.services import set_answer_hidden, set_hidden
from hub.moderation.targets import TargetInfo, TargetType, excerpt, register_target_type


def _feedback(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    item = session.get(FieldFeedback, target_id)
    if item is None:
        return None
    return TargetInfo(
        label=f"Remontée du terrain « {item.title} »",
        url=f"/remontees/{target_id}",
        excerpt=excerpt(item.body),
        sector_codes=(item.sector_code,) if item.sector_code else (),
        territory_id=item.territory_id,
    )


def _answer(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    answer = session.get(FeedbackAnswer, target_id)
    if answer is None:
        return None
    item = session.get(FieldFeedback, answer.feedback_id)
    assert item is not None
    return TargetInfo(
        label=f"Réponse à la remontée « {item.title} »",
        url=f"/remontees/{item.id}#reponse-{target_id}",
        excerpt=excerpt(answer.body),
        sector_codes=(item.sector_code,) if item.sector_code else (),
        territory_id=item.territory_id,
    )


register_target_type(TargetType("field_feedback", "Remontée du terrain", _feedback, set_hidden))
register_target_type(TargetType("feedback_answer", "Réponse d’un organisme public", _answer, set_answer_hidden))
