"""Actual attendance: who was really present at each point, per session and category."""
