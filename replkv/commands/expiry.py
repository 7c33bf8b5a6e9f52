"""expiry commands."""
