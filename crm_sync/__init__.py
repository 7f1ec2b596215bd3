"""The sync engine: durable queues, retry schedules, connectors and the worker process."""
