"""Customer-care metrics and the response cycles they are measured on."""
