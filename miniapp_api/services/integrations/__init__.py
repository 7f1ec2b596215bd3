"""What integrators pull from us (docs/connectors.md "Integrator API")."""
