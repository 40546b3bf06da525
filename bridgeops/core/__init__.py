"""Small shared building blocks: time, text, column types, validation."""
