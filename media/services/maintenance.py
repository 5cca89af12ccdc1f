"""Removing objects that no row names.

An upload stores its objects before it writes rows (see :mod:`media.services.photos`), so a
database failure between the two leaves objects nobody points at. They are harmless and
invisible (keys are content hashes, never listed to clients); this sweep deletes them once they
are old enough that no upload can still be about to write their row.
"""

from __future__ import annotations

from datetime import timedelta

from backend import clock
from media.storage import ObjectStorage
from media.tables import MediaImage

#: Far longer than any upload takes between its puts and its commit.
ORPHAN_GRACE = timedelta(hours=1)


async def sweep_orphan_objects(
    storage: ObjectStorage, grace: timedelta = ORPHAN_GRACE
) -> list[str]:
    """Delete objects older than ``grace`` that no ``MediaImage`` row names; their keys."""
    rows = await MediaImage.select(MediaImage.display_key, MediaImage.thumb_key)
    named = {row["display_key"] for row in rows} | {row["thumb_key"] for row in rows}
    cutoff = clock.now() - grace
    removed = []
    for stored in await storage.list():
        if stored.key not in named and stored.modified < cutoff:
            await storage.delete(stored.key)
            removed.append(stored.key)
    return removed
