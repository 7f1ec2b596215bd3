"""Live updates for open consoles: the change feed (`changes`)."""
