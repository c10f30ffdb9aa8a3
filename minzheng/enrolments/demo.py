"""Demo enrolments and a demo payroll month (placeholder: being built)."""


def demo_enrolments_ensure() -> list[str]:
    """Idempotent; returns the lines ``demo-setup`` prints."""
    return []
