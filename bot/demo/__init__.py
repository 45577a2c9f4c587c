"""The demo data: the real route and schools, invented people, fixed demo codes."""
