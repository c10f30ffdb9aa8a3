"""信访 and complaints: one register, statutory time limits, handling and review (issue 20)."""
