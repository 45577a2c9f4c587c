"""The command line, `python -m bot ...`: set up the database, seed the demo, hand out
codes, run the jobs once, and `run`, which starts the whole assistant."""
