"""The leaderboard as a static web site (Jinja2 templates, no server, no external assets)."""

from .build import SiteError, SiteExists, build_site, write_site

__all__ = ["SiteError", "SiteExists", "build_site", "write_site"]
