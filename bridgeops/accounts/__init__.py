"""Officer accounts, access grants (magic links, API tokens) and who may do what."""
