"""The headcount return to TW: roll-up, chasing list, files, snapshots, submission."""
