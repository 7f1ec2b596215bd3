"""HTTP blueprints: health, Mini App; later webhooks, admin and integrations."""
