"""The event bus: transactional outbox -> relay -> Redis Streams -> consumer groups with an inbox."""
