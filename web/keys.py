"""Typed keys for what the web app keeps on the aiohttp application."""

from aiohttp import web

from bot.settings import Settings

SETTINGS_KEY = web.AppKey("settings", Settings)
