"""The administrative unit tree (GSO gazetteer): provinces, districts, communes."""
