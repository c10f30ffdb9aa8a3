"""Demo monitoring data (placeholder: being built)."""


def demo_monitoring_ensure() -> list[str]:
    """Idempotent; returns the lines ``demo-setup`` prints."""
    return []
