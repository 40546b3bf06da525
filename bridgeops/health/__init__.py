"""Live health of every bridge point: session windows, heartbeats, probes, alerts, the board."""
