"""GET /api/v1/conferences/{slug}."""

from __future__ import annotations

from bridgeops.api import api_bp, operation
from bridgeops.conference import service
from bridgeops.conference.models import Conference
from bridgeops.conference.schemas import CategoryOut, ConferenceOut, SessionOut


def conference_out(conference: Conference) -> ConferenceOut:
    return ConferenceOut(
        slug=conference.slug, title=conference.title, organizer=conference.organizer,
        host_name=conference.host_name, host_unit_code=conference.host_unit_code,
        timezone=conference.timezone, registration_closes_at=conference.registration_closes_at,
        sessions=[SessionOut(id=s.id, kind=s.kind, title=s.title, starts_at=s.starts_at,
                             ends_at=s.ends_at, sequence=s.sequence,
                             cancelled=s.cancelled_at is not None)
                  for s in conference.sessions],
        categories=[CategoryOut(code=c.code, label=c.label, levels=c.levels)
                    for c in conference.categories],
    )


@api_bp.get("/conferences/<slug>")
@operation("Thông tin hội nghị, các phiên và thành phần đại biểu", tags=("conference",),
           response=ConferenceOut, errors={404: "Không có hội nghị này"})
def get_conference(slug: str):
    return conference_out(service.get_conference(slug))
