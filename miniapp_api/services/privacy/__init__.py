"""Personal data rights: export and erasure."""
