"""marshmallow schemas, one module per resource; they also generate the OpenAPI document."""
