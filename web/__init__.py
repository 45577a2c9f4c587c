"""The aiohttp web app: chat page, coordinator inbox and a small JSON API."""
