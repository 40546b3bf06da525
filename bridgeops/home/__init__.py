"""The home page: each conference with its state and the officer's next step (reads only)."""
