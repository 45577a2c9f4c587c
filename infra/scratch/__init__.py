"""Servers from Debian's packages (PostgreSQL, Redis, nginx), started by the project in
a scratch folder as ordinary processes and stopped cleanly: no system service, no
container. The tests, the cluster (`python -m bot cluster`) and the benchmarks start
them this way."""
