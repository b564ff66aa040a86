"""hrzone in the browser: a private dashboard served from the user's own machine (`hrzone
serve`). See docs/web.md for the pages, the JSON API and the security rules."""

from hrzone.web.app import ServeConfig, create_app

__all__ = ["ServeConfig", "create_app"]
