"""The ``minzheng`` console script: Django's management entry point.

Commands may be typed with hyphens (``minzheng seed-demo``); they map to the
underscore module names Django expects (``seed_demo``).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.config.settings.base")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
