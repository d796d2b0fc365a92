"""`python -m keyclients.web <command>`: Django's management commands (like manage.py)."""

from __future__ import annotations

import sys

from keyclients.web.runner import manage

if __name__ == "__main__":
    manage(sys.argv[1:])
