"""Trimming keeps every entry some consumer group has not acknowledged."""

from __future__ import annotations

from shared.bus.streams import ensure_groups_for, stream_name, trim_acknowledged
from shared.events import consumers_of

STREAM = stream_name("profile")  # read by several groups (recommender, notifier, catalogue)


def read_and_ack_all(client, group: str) -> None:
    for _, messages in client.xreadgroup(group, f"{group}-1", {STREAM: ">"}):
        client.xack(STREAM, group, *[message_id for message_id, _ in messages])


def test_trim_keeps_entries_a_slow_group_has_not_acknowledged(redis_client):
    ensure_groups_for(redis_client, "profile")
    ids = [redis_client.xadd(STREAM, {"envelope": "{}"}) for _ in range(5)]
    fast_groups = sorted(consumers_of("profile") - {"notifier"})
    for group in fast_groups:
        read_and_ack_all(redis_client, group)

    assert trim_acknowledged(redis_client, "profile") == 0  # notifier has read nothing yet

    redis_client.xreadgroup("notifier", "n1", {STREAM: ">"}, count=3)
    redis_client.xack(STREAM, "notifier", ids[0], ids[1])  # ids[2] delivered but still pending
    assert trim_acknowledged(redis_client, "profile") == 2
    assert [entry_id for entry_id, _ in redis_client.xrange(STREAM)] == ids[2:]


def test_trim_creates_missing_registered_groups_before_trimming(redis_client):
    redis_client.xadd(STREAM, {"envelope": "{}"})
    redis_client.xgroup_create(STREAM, "recommender", id="$")  # only one group, already past it

    assert trim_acknowledged(redis_client, "profile") == 0  # the other groups' places are kept
    groups = {g["name"].decode() for g in redis_client.xinfo_groups(STREAM)}
    assert groups == consumers_of("profile")
