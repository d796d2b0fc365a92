"""Dashboards: the overview now; concentration, KAISM, receivables and forecast next."""
