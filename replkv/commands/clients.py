"""clients commands."""

from replkv import errors


def validate_name(name: bytes) -> bytes | None:
    """CLIENT SETNAME's rule: no spaces, newlines or other special characters."""
    for byte in name:
        if byte < 33 or byte > 126:
            return errors.err("Client names cannot contain spaces, newlines or special characters.")
    return None
