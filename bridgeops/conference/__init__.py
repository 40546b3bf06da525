"""Conferences, their sessions (rehearsal and days) and delegate categories."""
