"""The in-store kiosk: a fullscreen touch try-on that resets between shoppers and keeps no faces."""
