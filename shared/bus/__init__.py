"""The event bus: outbox -> relay -> Redis Streams -> consumer groups + inbox."""
