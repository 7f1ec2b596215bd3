"""Orders coming back from CRMs and the Zalo messages they trigger."""
