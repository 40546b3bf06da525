"""Calendar invites: iTIP mail per (session, technician), feeds, acknowledgement."""
