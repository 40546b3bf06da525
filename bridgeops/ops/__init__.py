"""Operations: service health, the home page, backups."""
