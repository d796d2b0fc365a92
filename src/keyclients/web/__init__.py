"""The Django project: settings, URLs and the apps (accounts, ledger, insights)."""
