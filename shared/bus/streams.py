"""Stream and group names, group creation, and trimming that never drops an unacknowledged entry.

One stream per producing service (`routeways:events:<producer>`); one consumer group per
subscribing service; one dead-letter stream per group.
"""

from __future__ import annotations

import redis

from shared.events import consumers_of

PREFIX = "routeways"


def stream_name(producer: str) -> str:
    return f"{PREFIX}:events:{producer}"


def dead_letter_stream(group: str) -> str:
    return f"{PREFIX}:dead:{group}"


def ensure_group(client: redis.Redis, stream: str, group: str) -> bool:
    """Create `group` reading `stream` from its first entry; True if it was created now.

    Groups start at id 0, not `$`: a group created after events were relayed (or re-created
    after a Redis restart) still receives them, and the inbox absorbs any it had already seen.
    """
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" in str(error):
            return False
        raise
    return True


def ensure_groups_for(client: redis.Redis, producer: str) -> None:
    """Create every registered consumer group of `producer`'s stream before anything is relayed."""
    for group in sorted(consumers_of(producer)):
        ensure_group(client, stream_name(producer), group)


def _next_id(entry_id: str) -> str:
    milliseconds, sequence = entry_id.split("-")
    return f"{milliseconds}-{int(sequence) + 1}"


def _id_key(entry_id: str) -> tuple[int, int]:
    milliseconds, sequence = entry_id.split("-")
    return (int(milliseconds), int(sequence))


def acknowledged_floor(client: redis.Redis, stream: str) -> str | None:
    """The lowest id some group still needs (oldest pending, or the next undelivered entry).

    None when the stream has no groups: then nothing is known to be safe to drop.
    """
    groups = client.xinfo_groups(stream)
    if not groups:
        return None
    floors = []
    for group in groups:
        name = as_text(group["name"])
        pending = client.xpending(stream, name)
        if pending["pending"]:
            floors.append(as_text(pending["min"]))
        else:
            floors.append(_next_id(as_text(group["last-delivered-id"])))
    return min(floors, key=_id_key)


def trim_acknowledged(client: redis.Redis, producer: str) -> int:
    """Trim `producer`'s stream below the slowest group's position; return entries removed.

    Trimming by MINID of the slowest group (not MAXLEN) is what keeps an entry until every
    group has acknowledged it. Registered groups are created first so a consumer that has
    never started still holds its place.
    """
    stream = stream_name(producer)
    ensure_groups_for(client, producer)
    floor = acknowledged_floor(client, stream)
    if floor is None:
        return 0
    return client.xtrim(stream, minid=floor, approximate=False)


def as_text(value: bytes | str) -> str:
    """redis-py answers bytes unless told otherwise; names and ids are ASCII text."""
    return value.decode() if isinstance(value, bytes) else value
