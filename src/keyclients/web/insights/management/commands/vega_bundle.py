"""Write the Vega + Vega-Lite + vega-embed bundle that draws the charts, from vl-convert-python.

The bundle is committed under static/vendor/vega/ (no CDN, nothing downloaded at run time);
run this after upgrading altair or vl-convert-python, and `--check` in tests to prove the
committed file is the one the pinned packages give.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from keyclients.web.insights import charts


class Command(BaseCommand):
    help = "Regenerate static/vendor/vega/vega-bundle.js from the pinned vl-convert-python."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check", action="store_true", help="fail when the committed bundle is out of date"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bundle = charts.vega_bundle_source()
        path = charts.VEGA_BUNDLE_PATH
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != bundle:
                raise CommandError(f"{path} is out of date: run `manage vega_bundle`")
            self.stdout.write(f"{path} is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(bundle, encoding="utf-8")
        self.stdout.write(f"wrote {path} ({len(bundle):,} bytes, {charts.vega_versions()})")
