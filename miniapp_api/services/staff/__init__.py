"""Staff accounts, sessions and integrator API keys."""
