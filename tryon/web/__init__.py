"""HTTP for the kiosk and the phone: the share server (and, later, the phone page)."""
