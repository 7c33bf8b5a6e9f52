"""debug commands."""
