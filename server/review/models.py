"""The kinds of record the review queue (证据审核) reads and decides: review has no tables of its own, it writes
through the ``Reviewable`` contract (server/common/records.py) of other domains' records."""
from __future__ import annotations

from typing import Any

from server.common.records import Reviewable
from server.hazards.models import RectificationOrder
from server.patrol.models import CheckIn, PublicityVisit, Visit

KINDS: dict[str, type[Reviewable]] = {"checkin": CheckIn, "visit": Visit, "publicity": PublicityVisit,
                                      "rectification": RectificationOrder}
# when each kind happened: a rectification is reviewable once it is recorded
WHEN: dict[str, Any] = {"checkin": CheckIn.occurred_at, "visit": Visit.occurred_at,
                        "publicity": PublicityVisit.occurred_at, "rectification": RectificationOrder.rectified_at}
