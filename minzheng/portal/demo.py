"""Demo portal accounts (placeholder: being built)."""


def demo_portal_ensure() -> list[str]:
    """Idempotent; returns the lines ``demo-setup`` prints."""
    return []
